import { expect, it, onTestFailed } from 'vitest'
import { BATCH, countDone, midBatch, tally, useScenario, waitUntilSettled } from './harness.ts'

const { scenario, services } = useScenario()

it(
  'SIGTERM mid-batch: the worker exits 0 in time, a restarted worker finishes the rest',
  { timeout: 180_000 },
  async () => {
    onTestFailed(services.printTails)
    const { api, worker, posted, startedAt } = await midBatch(scenario(), services, { SHUTDOWN_TIMEOUT_MS: '10000' })

    const signalledAt = performance.now()
    worker.kill('SIGTERM')
    expect(await worker.exited).toEqual({ code: 0, signal: null })
    expect(performance.now() - signalledAt).toBeLessThan(10_000)
    expect(worker.lines.some((line) => line.msg === 'stopped')).toBe(true)
    expect(await countDone(scenario())).toBeLessThan(BATCH) // the signal did interrupt the batch

    services.start('worker')
    await waitUntilSettled(scenario(), posted)
    const figures = await tally(scenario(), 'SIGTERM worker', posted, startedAt)
    expect(figures).toMatchObject({ posted: BATCH, done: BATCH, lost: 0, duplicated: 0, deadLettered: 0 })

    api.kill('SIGTERM')
    expect(await api.exited).toEqual({ code: 0, signal: null })
  },
)
