import { afterAll, afterEach, beforeAll, expect, inject, it, onTestFailed } from 'vitest'
import { apiUrlOf } from '../../helpers/service-process.ts'
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.ts'
import { BATCH, STARTUP_MS, countDone, postBatch, tally, useScenario, waitUntilSettled } from './harness.ts'

// Each test puts its own proxy between its processes and RabbitMQ, so the fault hits them alone.
const { scenario: current, services } = useScenario()
let proxy: TcpProxy
const viaProxy = () => ({ AMQP_URL: proxy.url(inject('amqpUrl')) })

beforeAll(async () => {
  const amqp = new URL(inject('amqpUrl'))
  proxy = await startTcpProxy(amqp.hostname, Number(amqp.port || 5672))
})
afterEach(() => services.stopAll())
afterAll(() => proxy?.close())

it(
  'RabbitMQ unreachable while products are posted: the API accepts them, the outbox delivers them later',
  { timeout: 180_000 },
  async () => {
    onTestFailed(services.printTails)
    const scenario = current()
    const startedAt = performance.now()
    const api = services.start('api', viaProxy())
    const worker = services.start('worker', viaProxy())
    await worker.waitFor((line) => line.msg === 'worker consuming', STARTUP_MS)

    await proxy.stop()
    const posted = await postBatch(scenario, await apiUrlOf(api), BATCH / 2)
    const queued = await scenario.database.db.product.count({ where: { queued_at: { not: null } } })
    expect(queued).toBe(0)
    expect(await countDone(scenario)).toBe(0)

    await proxy.start()
    await waitUntilSettled(scenario, posted)
    const figures = await tally(scenario, 'RabbitMQ unreachable, then back', posted, startedAt)
    expect(figures).toMatchObject({ posted: BATCH / 2, done: BATCH / 2, lost: 0, duplicated: 0, deadLettered: 0 })
  },
)

it('all broker connections dropped mid-batch: API and worker reconnect and finish', { timeout: 180_000 }, async () => {
  onTestFailed(services.printTails)
  const scenario = current()
  const startedAt = performance.now()
  const api = await apiUrlOf(services.start('api', viaProxy()))
  const worker = services.start('worker', viaProxy())
  await worker.waitFor((line) => line.msg === 'worker consuming', STARTUP_MS)

  const before = await countDone(scenario)
  const firstHalf = await postBatch(scenario, api, BATCH / 2, 1000)
  await expect.poll(() => countDone(scenario), { timeout: 60_000, interval: 50 }).toBeGreaterThanOrEqual(before + 3)
  proxy.dropConnections()
  const secondHalf = await postBatch(scenario, api, BATCH / 2, 2000)

  const posted = [...firstHalf, ...secondHalf]
  await waitUntilSettled(scenario, posted)
  const figures = await tally(scenario, 'broker connections dropped', posted, startedAt)
  expect(figures).toMatchObject({ posted: BATCH, done: BATCH, lost: 0, duplicated: 0, deadLettered: 0 })
})
