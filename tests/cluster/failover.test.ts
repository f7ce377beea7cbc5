// A three-node RabbitMQ cluster loses the node that leads the work queue in the middle of a
// batch. Run with `npm run test:cluster` (CI runs it after `npm test`).
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest'
import { BATCH, countDone, postBatch, serviceGroup, startScenario, tally, waitUntilSettled, type Scenario } from '../integration/faults/harness.ts'
import { apiUrlOf } from '../helpers/service-process.ts'
import { startCluster, type RabbitCluster } from './rabbitmq-cluster.ts'

let cluster: RabbitCluster
let scenario: Scenario
const services = serviceGroup(() => scenario)
let clusterSeconds = 0

beforeAll(async () => {
  const started = performance.now()
  cluster = await startCluster(3)
  clusterSeconds = (performance.now() - started) / 1000
  scenario = await startScenario(cluster.amqpUrl)
}, 240_000)

afterAll(async () => {
  await services.stopAll()
  await scenario?.close()
  await cluster?.stop()
})

it('the node leading the work queue dies mid-batch: every product ends done, none twice, nothing dead-lettered', { timeout: 300_000 }, async () => {
  onTestFailed(services.printTails)
  const startedAt = performance.now()
  const env = { AMQP_URL: cluster.amqpUrl }
  const api = services.start('api', env)
  const workers = [services.start('worker', env), services.start('worker', env)]
  await Promise.all(workers.map((worker) => worker.waitFor((line) => line.msg === 'worker consuming', 60_000)))

  const queue = `${scenario.broker.config.vhosts!['/']!.namespace as string}:products.process`
  const before = await cluster.leaderOf(queue)
  expect(before.members).toHaveLength(3) // replicated on every node

  // Half the batch before the kill, half after: the API's relay publishes through the failover too.
  const apiUrl = await apiUrlOf(api)
  const firstHalf = await postBatch(scenario, apiUrl, BATCH / 2)
  await expect.poll(() => countDone(scenario), { timeout: 60_000, interval: 50 }).toBeGreaterThanOrEqual(5)
  const doneAtKill = await countDone(scenario)
  const killedAt = performance.now()
  await cluster.kill(before.leader)
  const resumed = expect.poll(() => countDone(scenario), { timeout: 60_000, interval: 50 }).toBeGreaterThan(doneAtKill).then(() => performance.now())
  const posted = [...firstHalf, ...(await postBatch(scenario, apiUrl, BATCH / 2, BATCH / 2))]
  const resumedSeconds = ((await resumed) - killedAt) / 1000

  // A surviving replica has taken over: the queue is led by one of the other two nodes.
  let after = before
  await expect.poll(async () => (after = await cluster.leaderOf(queue)).leader.name, { timeout: 60_000, interval: 500 }).not.toBe(before.leader.name)

  await waitUntilSettled(scenario, posted, 180_000)
  const figures = await tally(scenario, 'leader node killed', posted, startedAt)
  console.log(
    `[cluster] ${JSON.stringify({
      clusterStartSeconds: Math.round(clusterSeconds),
      killed: before.leader.name,
      newLeader: after.leader.name,
      doneAtKill,
      resumedSeconds: Math.round(resumedSeconds * 10) / 10,
      // Processes that were connected to the killed node (rascal picks a node at random) and moved to another.
      reconnected: Object.entries({ api, 'worker 1': workers[0]!, 'worker 2': workers[1]! })
        .filter(([, service]) => service.lines.some((l) => l.msg === 'reconnected to RabbitMQ'))
        .map(([name]) => name),
      redelivered: workers.reduce((n, worker) => n + worker.lines.filter((l) => l.outcome === 'already_done').length, 0),
    })}`,
  )
  expect(figures).toMatchObject({ posted: BATCH, done: BATCH, lost: 0, duplicated: 0, deadLettered: 0 })
})
