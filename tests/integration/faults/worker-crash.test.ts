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

it('a worker killed with SIGKILL mid-batch loses nothing: a new worker finishes the rest', { timeout: 180_000 }, async () => {
  onTestFailed(services.printTails)
  const startedAt = performance.now()
  const api = services.start('api')
  const first = services.start('worker')
  await first.waitFor((line) => line.msg === 'worker consuming')
  const posted = await postBatch(scenario, await apiUrlOf(api))

  await expect.poll(() => countDone(scenario), { timeout: 60_000, interval: 50 }).toBeGreaterThanOrEqual(5)
  first.kill('SIGKILL')
  expect((await first.exited).signal).toBe('SIGKILL')
  expect(await countDone(scenario)).toBeLessThan(BATCH) // the kill did interrupt the batch

  services.start('worker')
  await waitUntilSettled(scenario, posted)
  const figures = await tally(scenario, 'kill -9 worker', posted, startedAt)
  expect(figures).toMatchObject({ posted: BATCH, done: BATCH, lost: 0, duplicated: 0, deadLettered: 0 })
})
