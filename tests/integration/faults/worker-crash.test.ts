import { expect, it, onTestFailed } from 'vitest'
import { BATCH, countDone, midBatch, tally, useScenario, waitUntilSettled } from './harness.ts'

const { scenario, services } = useScenario()

it(
  'a worker killed with SIGKILL mid-batch loses nothing: a new worker finishes the rest',
  { timeout: 180_000 },
  async () => {
    onTestFailed(services.printTails)
    const { worker, posted, startedAt } = await midBatch(scenario(), services)

    worker.kill('SIGKILL')
    expect((await worker.exited).signal).toBe('SIGKILL')
    expect(await countDone(scenario())).toBeLessThan(BATCH) // the kill did interrupt the batch

    services.start('worker')
    await waitUntilSettled(scenario(), posted)
    const figures = await tally(scenario(), 'kill -9 worker', posted, startedAt)
    expect(figures).toMatchObject({ posted: BATCH, done: BATCH, lost: 0, duplicated: 0, deadLettered: 0 })
  },
)
