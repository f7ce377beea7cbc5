import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../../src/app.ts'
import { authorizationFor, testSettings } from '../../helpers/api.ts'
import { createTestDatabase, type TestDatabase } from '../../helpers/database.ts'

// Redis runs on our machines (.ci/run starts it when it is down); TEST_REDIS_URL points elsewhere.
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

describe('rate limits with RATE_LIMIT_REDIS_URL', () => {
  let database: TestDatabase
  let headers: { authorization: string }
  const apps: Awaited<ReturnType<typeof buildApp>>[] = []

  /** An API process's app counting in this Redis, under a namespace of this test's own. */
  async function appOn(redisUrl: string, namespace: string) {
    const settings = testSettings({ RATE_LIMIT_PER_MINUTE: '3', RATE_LIMIT_REDIS_URL: redisUrl })
    const app = await buildApp({
      db: database.db,
      onProductCreated: () => {},
      brokerConnected: () => true,
      settings: { ...settings, access: { ...settings.access, redisNamespace: namespace } },
    })
    apps.push(app)
    return app
  }
  const get = (app: Awaited<ReturnType<typeof buildApp>>) => app.inject({ method: 'GET', url: '/products', headers })

  beforeAll(async () => {
    database = await createTestDatabase()
    headers = await authorizationFor(database.db, { admin: true })
  })
  afterAll(async () => {
    for (const app of apps) await app.close()
    await database?.drop()
  })

  it('counts a key across API processes', async () => {
    const namespace = `test-${randomUUID()}:`
    const [first, second] = [await appOn(REDIS_URL, namespace), await appOn(REDIS_URL, namespace)]
    expect((await get(first!)).statusCode).toBe(200)
    expect((await get(second!)).statusCode).toBe(200)
    expect((await get(first!)).headers['x-ratelimit-remaining']).toBe('0')
    const refused = await get(second!)
    expect(refused.statusCode).toBe(429)
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
  })

  it('lets requests through, unlimited, while Redis cannot be reached', async () => {
    const app = await appOn('redis://127.0.0.1:1', `test-${randomUUID()}:`)
    for (let n = 0; n < 5; n++) expect((await get(app)).statusCode).toBe(200)
  })
})
