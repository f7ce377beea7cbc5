import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest'
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.ts'
import { BATCH, midBatch, tally, useScenario, waitUntilSettled } from './harness.ts'

// The worker reaches PostgreSQL through a proxy of this test's own; the API connects directly.
const { scenario, services } = useScenario()
let proxy: TcpProxy

beforeAll(async () => {
  const database = new URL(scenario().database.url)
  proxy = await startTcpProxy(database.hostname, Number(database.port || 5432))
})
afterAll(() => proxy?.close())

it(
  'the database unreachable mid-batch: the worker waits for it instead of dead-lettering',
  { timeout: 180_000 },
  async () => {
    onTestFailed(services.printTails)
    const { worker, posted, startedAt } = await midBatch(scenario(), services, {
      DATABASE_URL: proxy.url(scenario().database.url),
    })

    await proxy.stop()
    await worker.waitFor((line) => line.msg === 'database unavailable; waiting for it')
    await new Promise((resolve) => setTimeout(resolve, 3000)) // an outage of a few seconds
    await proxy.start()

    await waitUntilSettled(scenario(), posted)
    const figures = await tally(scenario(), 'database unreachable, then back', posted, startedAt)
    expect(figures).toMatchObject({ posted: BATCH, done: BATCH, lost: 0, duplicated: 0, deadLettered: 0 })
  },
)
