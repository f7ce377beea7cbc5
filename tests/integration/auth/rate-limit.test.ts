import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { register } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../../src/app.ts'
import { authorizationFor, testSettings } from '../../helpers/api.ts'
import { createTestDatabase, type TestDatabase } from '../../helpers/database.ts'
import { recordLogs, type LogRecorder } from '../../helpers/logs.ts'
import { freePort, waitForPort } from '../../helpers/ports.ts'
import { startCommand, type ServiceProcess } from '../../helpers/service-process.ts'
import { healthChecks } from '../../../src/routes/health.ts'

// Redis runs on our machines (.ci/run starts it when it is down); TEST_REDIS_URL points elsewhere.
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const FALLBACK_METRIC = 'rate_limit_store_fallbacks_total'

const fallbacks = async () => (await register.getSingleMetric(FALLBACK_METRIC)?.get())?.values[0]?.value ?? 0
const logged = (logs: LogRecorder, message: RegExp) => logs.lines.filter((line) => message.test(String(line.msg)))
const UNREACHABLE = /rate-limit store unreachable/
const BACK = /rate-limit store reachable again/

describe('rate limits with RATE_LIMIT_REDIS_URL', () => {
  let database: TestDatabase
  let headers: { authorization: string }
  const apps: Awaited<ReturnType<typeof buildApp>>[] = []

  /** An API process's app counting in this Redis, under a namespace of this test's own. */
  async function appOn(redisUrl: string, namespace: string, log?: FastifyBaseLogger) {
    const settings = testSettings({ RATE_LIMIT_PER_MINUTE: '3', RATE_LIMIT_REDIS_URL: redisUrl })
    const app = await buildApp(
      {
        db: database.db,
        onProductCreated: () => {},
        checks: healthChecks(database.db, () => true),
        settings: { ...settings, access: { ...settings.access, redisNamespace: namespace } },
      },
      log ? { loggerInstance: log } : {},
    )
    apps.push(app)
    return app
  }
  const get = (app: Awaited<ReturnType<typeof buildApp>>) => app.inject({ method: 'GET', url: '/products', headers })
  const statuses = async (app: Awaited<ReturnType<typeof buildApp>>, n: number) => {
    const seen: number[] = []
    for (let request = 0; request < n; request++) seen.push((await get(app)).statusCode)
    return seen
  }

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

  it('counts in this process while Redis cannot be reached: logged once, counted in a metric', async () => {
    const logs = recordLogs()
    const before = await fallbacks()
    const app = await appOn('redis://127.0.0.1:1', `test-${randomUUID()}:`, logs.log)
    expect(await statuses(app, 4)).toEqual([200, 200, 200, 429])
    expect(await fallbacks()).toBe(before + 4)
    // ioredis keeps reconnecting (and failing) meanwhile: one line for the outage, not one a try.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(logged(logs, UNREACHABLE)).toHaveLength(1)
  })

  describe('when Redis goes away and comes back', () => {
    let redis: ServiceProcess | undefined
    let port: number
    const startRedis = async () => {
      redis = startCommand(
        ['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {},
      )
      await waitForPort(port, 20_000)
    }
    const stopRedis = async () => {
      redis?.kill()
      await redis?.exited
      redis = undefined
    }
    beforeAll(async () => {
      port = await freePort()
      await startRedis()
    })
    afterAll(stopRedis)

    it('counts in each process meanwhile, and in Redis again once it is back', async () => {
      const namespace = `test-${randomUUID()}:`
      const logs = recordLogs()
      const url = `redis://127.0.0.1:${port}`
      const [first, second] = [await appOn(url, namespace, logs.log), await appOn(url, namespace, logs.log)]
      const linesOf = (message: RegExp) => () => logged(logs, message).length
      expect(await statuses(first!, 1)).toEqual([200])

      await stopRedis()
      await expect.poll(linesOf(UNREACHABLE), { timeout: 10_000 }).toBe(2)
      const before = await fallbacks()
      expect(await statuses(first!, 4)).toEqual([200, 200, 200, 429])
      expect(await fallbacks()).toBe(before + 4)

      // A fresh Redis: the counts start again, shared by both processes.
      await startRedis()
      await expect.poll(linesOf(BACK), { timeout: 15_000 }).toBe(2)
      expect(await statuses(second!, 1)).toEqual([200])
      expect(await statuses(first!, 3)).toEqual([200, 200, 429])
      expect(await fallbacks()).toBe(before + 4)
      expect(logged(logs, UNREACHABLE)).toHaveLength(2)
    })
  })
})
