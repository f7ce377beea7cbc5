import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest'
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.ts'
import { apiUrlOf, BATCH, countDone, postBatch, serviceGroup, startScenario, tally, waitUntilSettled, type Scenario } from './harness.ts'

// The worker reaches PostgreSQL through a proxy of this test's own; the API connects directly.
let scenario: Scenario
let proxy: TcpProxy
const services = serviceGroup(() => scenario)

beforeAll(async () => {
  scenario = await startScenario()
  const database = new URL(scenario.database.url)
  proxy = await startTcpProxy(database.hostname, Number(database.port || 5432))
})
afterAll(async () => {
  await services.stopAll()
  await proxy?.close()
  await scenario?.close()
})

it('the database unreachable mid-batch: the worker waits for it instead of dead-lettering', { timeout: 180_000 }, async () => {
  onTestFailed(services.printTails)
  const startedAt = performance.now()
  const api = services.start('api')
  const worker = services.start('worker', { DATABASE_URL: proxy.url(scenario.database.url) })
  await worker.waitFor((line) => line.msg === 'worker consuming')
  const posted = await postBatch(scenario, await apiUrlOf(api))

  await expect.poll(() => countDone(scenario), { timeout: 60_000, interval: 50 }).toBeGreaterThanOrEqual(5)
  await proxy.stop()
  await worker.waitFor((line) => line.msg === 'database unavailable; waiting for it')
  await new Promise((resolve) => setTimeout(resolve, 3000)) // an outage of a few seconds
  await proxy.start()

  await waitUntilSettled(scenario, posted)
  const figures = await tally(scenario, 'database unreachable, then back', posted, startedAt)
  expect(figures).toMatchObject({ posted: BATCH, done: BATCH, lost: 0, duplicated: 0, deadLettered: 0 })
})
