// A three-node RabbitMQ cluster loses the node that leads the work queue in the middle of a
// batch. Run with `npm run test:cluster` (CI runs it after `npm test`, on a machine that may be
// busy: every wait is a named step with room to spare, see steps.ts).
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest'
import {
  BATCH,
  countDone,
  postBatch,
  serviceGroup,
  startScenario,
  tally,
  waitUntilSettled,
  type Scenario,
} from '../integration/faults/harness.ts'
import { apiUrlOf } from '../helpers/service-process.ts'
import { startCluster, type RabbitCluster } from './rabbitmq-cluster.ts'
import { steps } from './steps.ts'

/** A service process's start (tsx compiles the sources) and each wait on the batch, on a loaded machine. */
const STARTUP_MS = 180_000
const WAIT_MS = 120_000
const SETTLE_MS = 300_000

let cluster: RabbitCluster
let scenario: Scenario
const services = serviceGroup(() => scenario)
const step = steps()
let clusterSeconds = 0

beforeAll(async () => {
  const started = performance.now()
  cluster = await startCluster(3, step)
  clusterSeconds = (performance.now() - started) / 1000
  scenario = await step.run('test database, queues and image server', () => startScenario(cluster.amqpUrl))
}, 900_000)

afterAll(async () => {
  // A hook or test timeout stops a step without its failure message: say where it stood.
  for (const unfinished of step.unfinished()) console.log(unfinished)
  await services.stopAll()
  await scenario?.close()
  await cluster?.stop()
})

it(
  'the node leading the work queue dies mid-batch: every product ends done, none twice, nothing dead-lettered',
  { timeout: 900_000 },
  async () => {
    onTestFailed(services.printTails)
    const startedAt = performance.now()
    const env = { AMQP_URL: cluster.amqpUrl }
    const api = services.start('api', env)
    const workers = [services.start('worker', env), services.start('worker', env)]
    const apiUrl = await step.run('API and two workers start', async (saw) => {
      await Promise.all(workers.map((worker) => worker.waitFor((line) => line.msg === 'worker consuming', STARTUP_MS)))
      saw('workers consuming')
      return apiUrlOf(api)
    })

    const queue = `${scenario.broker.config.vhosts!['/']!.namespace as string}:products.process`
    const before = await step.run('the work queue has a replica on each node', async (saw) => {
      const replicas = await cluster.leaderOf(queue)
      saw(JSON.stringify(replicas.members))
      expect(replicas.members).toHaveLength(3)
      return replicas
    })

    // Half the batch before the kill, half after: the API's relay publishes through the failover too.
    const firstHalf = await step.run(`post ${BATCH / 2} products`, () => postBatch(scenario, apiUrl, BATCH / 2))
    const done = (saw: (state: string) => void) => async () => {
      const count = await countDone(scenario)
      saw(`${count} products done`)
      return count
    }
    await step.run('5 products done before the kill', (saw) =>
      expect.poll(done(saw), { timeout: WAIT_MS, interval: 50 }).toBeGreaterThanOrEqual(5),
    )
    const doneAtKill = await countDone(scenario)
    const killedAt = performance.now()
    await step.run(`kill -9 the leader, ${before.leader.name}`, () => cluster.kill(before.leader))
    const resumed = step.run('products complete again after the kill', async (saw) => {
      await expect.poll(done(saw), { timeout: WAIT_MS, interval: 50 }).toBeGreaterThan(doneAtKill)
      return performance.now()
    })
    const secondHalf = await step.run(`post ${BATCH / 2} more through the failover`, () =>
      postBatch(scenario, apiUrl, BATCH / 2, BATCH / 2),
    )
    const posted = [...firstHalf, ...secondHalf]
    const resumedSeconds = ((await resumed) - killedAt) / 1000

    // A surviving replica has taken over: the queue is led by one of the other two nodes.
    let after = before
    const leader = (saw: (state: string) => void) => async () => {
      const replicas = await cluster.leaderOf(queue).catch((error: Error) => {
        saw(error.message) // e.g. while the surviving nodes elect a leader
        throw error
      })
      saw(`leader ${replicas.leader?.name}, members ${JSON.stringify(replicas.members)}`)
      after = replicas
      return replicas.leader?.name
    }
    await step.run('a surviving replica leads the work queue', (saw) =>
      expect.poll(leader(saw), { timeout: WAIT_MS, interval: 500 }).not.toBe(before.leader.name),
    )

    await step.run(`all ${BATCH} products settle`, () => waitUntilSettled(scenario, posted, SETTLE_MS))
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
        redelivered: workers.reduce(
          (n, worker) => n + worker.lines.filter((l) => l.outcome === 'already_done').length,
          0,
        ),
      })}`,
    )
    expect(figures).toMatchObject({ posted: BATCH, done: BATCH, lost: 0, duplicated: 0, deadLettered: 0 })
  },
)
