import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest'
import { apiUrlOf, BATCH, countDone, postBatch, serviceGroup, startScenario, tally, waitUntilSettled, type Scenario } from './harness.ts'

let scenario: Scenario
const services = serviceGroup(() => scenario)

beforeAll(async () => {
  scenario = await startScenario()
})
afterAll(async () => {
  await services.stopAll()
  await scenario?.close()
})

it('SIGTERM mid-batch: the worker exits 0 in time, a restarted worker finishes the rest', { timeout: 180_000 }, async () => {
  onTestFailed(services.printTails)
  const startedAt = performance.now()
  const api = services.start('api')
  const first = services.start('worker', { SHUTDOWN_TIMEOUT_MS: '10000' })
  await first.waitFor((line) => line.msg === 'worker consuming')
  const posted = await postBatch(scenario, await apiUrlOf(api))

  await expect.poll(() => countDone(scenario), { timeout: 60_000, interval: 50 }).toBeGreaterThanOrEqual(5)
  const signalledAt = performance.now()
  first.kill('SIGTERM')
  expect(await first.exited).toEqual({ code: 0, signal: null })
  expect(performance.now() - signalledAt).toBeLessThan(10_000)
  expect(first.lines.some((line) => line.msg === 'stopped')).toBe(true)
  expect(await countDone(scenario)).toBeLessThan(BATCH) // the signal did interrupt the batch

  services.start('worker')
  await waitUntilSettled(scenario, posted)
  const figures = await tally(scenario, 'SIGTERM worker', posted, startedAt)
  expect(figures).toMatchObject({ posted: BATCH, done: BATCH, lost: 0, duplicated: 0, deadLettered: 0 })

  api.kill('SIGTERM')
  expect(await api.exited).toEqual({ code: 0, signal: null })
})
