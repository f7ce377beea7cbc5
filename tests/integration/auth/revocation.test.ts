import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createApiKey } from '../../../src/auth/key-store.ts'
import { KEY_CACHE_TTL_MS } from '../../../src/auth/principal-cache.ts'
import { startEnvironment, type TestEnvironment } from '../../helpers/environment.ts'
import { recordLogs } from '../../helpers/logs.ts'
import { apiUrlOf, startService, stopService, type ServiceProcess } from '../../helpers/service-process.ts'

const ROOT = path.resolve(import.meta.dirname, '../../..')

let environment: TestEnvironment
const apis: ServiceProcess[] = []

beforeAll(async () => {
  environment = await startEnvironment({ routes: {}, log: recordLogs().log, label: 'revocation' })
  apis.push(startService('api', environment.env()), startService('api', environment.env()))
})
afterAll(async () => {
  await Promise.all(apis.map(stopService))
  await environment?.close()
})

it('npm run apikey:revoke: every running API process refuses the key within the cache time', async () => {
  const { id, key } = await createApiKey(environment.database.db, { userId: environment.userId })
  const urls = await Promise.all(apis.map(apiUrlOf))
  const status = async (url: string) =>
    (await fetch(`${url}/products`, { headers: { authorization: `Bearer ${key}` } })).status
  // Both processes know the key now (and remember it).
  expect(await Promise.all(urls.map(status))).toEqual([200, 200])

  await promisify(execFile)('npm', ['run', 'apikey:revoke', '--', String(id)], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: environment.database.url },
  })

  for (const url of urls) {
    await expect.poll(() => status(url), { timeout: KEY_CACHE_TTL_MS + 5000, interval: 250 }).toBe(401)
  }
}, 60_000)
