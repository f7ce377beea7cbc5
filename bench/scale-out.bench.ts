// Issue item 6 and issue 13: worker processes on one queue (same AMQP_NAMESPACE), each timed over
// the same fixed batch. Two machines are simulated on this one by pinning each worker to a core
// of its own with taskset: one worker on core 0, against one on core 0 and one on core 1. Then
// unpinned, one worker against two sharing both cores, as the service runs here by default.
import { bench } from 'vitest'
import { type ServiceProcess, stopService } from '../tests/helpers/index.ts'
import { makeCorpus } from './corpus.ts'
import { productsOf, startPipeline, startWorkerProcess, type Batch } from './pipeline.ts'
import { median, ONCE, report, round } from './report.ts'

const PRODUCTS = 16
const IMAGES = PRODUCTS * 3

interface Setup {
  name: string
  rounds: Batch[]
}

bench(
  '6. scale-out: worker processes on one queue, pinned to a core each and unpinned',
  async () => {
    const corpus = await makeCorpus(['1920x1080 JPEG q92'], 3)
    const pipeline = await startPipeline(corpus)
    const workers: ServiceProcess[] = []
    const products = productsOf(corpus, PRODUCTS)
    const start = async (cpus?: string) => {
      const worker = await startWorkerProcess(pipeline, workers, {}, cpus)
      // warm-up (first images, first queries): any running worker may take these
      await pipeline.run(products.slice(0, 2), [...workers])
      return worker
    }
    const stop = async (worker: ServiceProcess) => {
      await stopService(worker)
      workers.splice(workers.indexOf(worker), 1)
    }
    const setups = {
      oneCore: { name: '1 worker, pinned to core 0 (one machine)', rounds: [] as Batch[] },
      twoCores: { name: '2 workers, pinned to core 0 and core 1 (two machines)', rounds: [] as Batch[] },
      oneFree: { name: '1 worker, both cores (as `npm start` here)', rounds: [] as Batch[] },
      twoFree: { name: '2 workers, sharing both cores', rounds: [] as Batch[] },
    }
    const measure = async (setup: Setup, on: ServiceProcess[]) => setup.rounds.push(await pipeline.run(products, on))
    try {
      // A B B A, then C D D C: a steady drift of the shared machine weighs on both sides of a ratio alike.
      const core0 = await start('0')
      await measure(setups.oneCore, [core0])
      const core1 = await start('1')
      await measure(setups.twoCores, [core0, core1])
      await measure(setups.twoCores, [core0, core1])
      await stop(core1)
      await measure(setups.oneCore, [core0])
      await stop(core0)

      const first = await start()
      await measure(setups.oneFree, [first])
      const second = await start()
      await measure(setups.twoFree, [first, second])
      await measure(setups.twoFree, [first, second])
      await stop(second)
      await measure(setups.oneFree, [first])

      reportScaleOut(setups)
    } finally {
      await Promise.all(workers.map(stopService))
      await pipeline.close()
    }
  },
  ONCE,
)

/** Images per second of a setup (median round), and of each of its workers in that round. */
function rates({ rounds }: Setup) {
  const ms = median(rounds.map((b) => b.ms))
  const typical = rounds.find((b) => b.ms === ms)!
  return {
    total: round((IMAGES * 1000) / ms, 2),
    perWorker: typical.perWorker.map((products) => round((products * 3 * 1000) / ms, 2)),
  }
}

function reportScaleOut(setups: Record<'oneCore' | 'twoCores' | 'oneFree' | 'twoFree', Setup>) {
  const all = Object.values(setups)
  const machines = round(rates(setups.twoCores).total / rates(setups.oneCore).total, 2)
  const shared = round(rates(setups.twoFree).total / rates(setups.oneFree).total, 2)
  const twice = all.flatMap((s) => s.rounds).reduce((n, b) => n + b.twice, 0)
  const everyWorkerWorked = all.flatMap((s) => s.rounds).every((b) => b.perWorker.every((n) => n > 0))
  const seconds = (batches: Batch[]) => batches.map((b) => round(b.ms / 1000, 2)).join(' ')
  report('6-scale-out', {
    title: 'Scale-out',
    method:
      `${PRODUCTS} products of 3 × 1920×1080 JPEG q92 (${IMAGES} images) per round, worker processes (src/main.ts ` +
      `worker, production defaults) on one queue. ` +
      'Pinned with taskset (all threads of a worker on one core), rounds with 1, 2, 2, 1 workers; then unpinned, 1, ' +
      '2, 2, 1; median of each. ' +
      'PostgreSQL, RabbitMQ and the image server run on the same two cores, unpinned.',
    rows: [
      ...all.map((setup) => {
        const { total, perWorker } = rates(setup)
        return {
          setup: setup.name,
          'images/s': total,
          'images/s per worker': perWorker.join(' + '),
          'rounds (s)': seconds(setup.rounds),
          'products per worker': setup.rounds.map((b) => b.perWorker.join('+')).join(', '),
        }
      }),
      {
        setup: 'two machines vs one (pinned)',
        'images/s': machines,
        'images/s per worker': '',
        'rounds (s)': '',
        'products per worker': '',
      },
      {
        setup: 'two workers vs one (shared cores)',
        'images/s': shared,
        'images/s per worker': '',
        'rounds (s)': '',
        'products per worker': '',
      },
    ],
    goals: [
      {
        goal: 'workers on one queue split the work, nothing processed twice',
        measured: `${twice} processed twice`,
        met: twice === 0 && everyWorkerWorked,
      },
      {
        goal: 'a second machine (a worker on a core of its own) adds ≥ 1.5×',
        measured: `${machines}×`,
        met: machines >= 1.5,
      },
    ],
    data: {
      images: IMAGES,
      ...Object.fromEntries(Object.entries(setups).map(([key, s]) => [key, s.rounds])),
      machines,
      shared,
    },
  })
}
