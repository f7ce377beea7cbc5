// Issue item 2: POST /products of the real API process (key check, validation, Prisma insert,
// outbox relay) against bench/bare-server.ts (same validation, one raw pg INSERT), and the bare
// route behind the API's own key check and rate limiter (what access control costs), and a plain
// route with Prisma's create (what a user writes first: Prisma's cost apart from ours), and the API
// without its outbox relay (what relaying costs); same pool size, same database, the same
// autocannon load from this process, every request with a user's key. Only one server runs at a
// time, in rounds that go through the targets and back (ORDER), so none pays for another's
// leftovers and a drift of the machine weighs on all alike.
// BENCH_CPU_PROF=<dir> runs every server under `node --cpu-prof` and stops it with SIGTERM, so each
// round leaves its profiles in <dir>/<target>-<round>/, one per thread (tsx's loader has a thread of
// its own; the main thread's is the largest file). Summarise them with bench/cpu-profile.ts.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import autocannon from 'autocannon'
import { bench } from 'vitest'
import { loadConfig } from '../src/config.ts'
import { freePort, startService, stopService, waitForPort } from '../tests/helpers/index.ts'
import { startPipeline, type Pipeline } from './pipeline.ts'
import { mean, ONCE, report, round, sleep } from './report.ts'

const CONNECTIONS = 50
const WARMUP_S = 3
const MEASURE_S = 10
const GOAL_RATIO = 0.6
const GOAL_P99_MS = 25

// 'api-no-relay': the API with RabbitMQ out of reach, so it serves as usual but never starts its
// outbox relay; beside 'api' it shows what relaying costs the process and the machine.
type Target = 'bare' | 'bare+key' | 'prisma' | 'api' | 'api-no-relay'
const ORDER: Target[] = [
  'bare',
  'bare+key',
  'prisma',
  'api',
  'api-no-relay',
  'api-no-relay',
  'api',
  'prisma',
  'bare+key',
  'bare',
]
const GOAL_PRISMA_RATIO = 0.9

const PROFILE_DIR = process.env.BENCH_CPU_PROF
/** With a profile asked for: a clean exit on SIGTERM writes it; otherwise SIGKILL, the quickest stop. */
const STOP_SIGNAL = PROFILE_DIR ? 'SIGTERM' : 'SIGKILL'
const nodeArgsFor = (name: string) =>
  PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.join(PROFILE_DIR, name)}`] : []

/** The bare route in a process of its own, like the API. */
function startBareServer(env: Record<string, string>, nodeArgs: string[]) {
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', path.join(import.meta.dirname, 'bare-server.ts')],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  )
  const exited = once(child, 'exit')
  return {
    stop: async () => {
      child.kill(STOP_SIGNAL)
      await exited
    },
  }
}

function startTarget(target: Target, round: number, env: Record<string, string>, unreachableAmqpUrl: string) {
  const nodeArgs = nodeArgsFor(`${target}-${round}`)
  if (target !== 'api' && target !== 'api-no-relay') {
    return startBareServer(
      { ...env, BARE_WITH_KEY: target === 'bare+key' ? '1' : '0', BARE_INSERT: target === 'prisma' ? 'prisma' : 'pg' },
      nodeArgs,
    )
  }
  const api = startService(
    'api',
    target === 'api' ? env : { ...env, AMQP_URL: unreachableAmqpUrl },
    undefined,
    nodeArgs,
  )
  return {
    async stop() {
      if (PROFILE_DIR) api.kill('SIGTERM')
      await Promise.race([api.exited, sleep(PROFILE_DIR ? 30_000 : 0)])
      await stopService(api)
    },
  }
}

/** Waits until the API's relay has published what the warm-up stored, so it does not weigh on the measured run. */
async function outboxDrained({ database }: Pipeline, timeoutMs = 120_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while ((await database.db.product.count({ where: { queued_at: null } })) > 0) {
    if (performance.now() > deadline) throw new Error(`the outbox was not drained within ${timeoutMs} ms`)
    await sleep(200)
  }
}

const summary = (r: autocannon.Result) => ({
  'req/s': round(r['2xx'] / r.duration, 0),
  'p50 ms': r.latency.p50,
  'p99 ms': r.latency.p99,
  'max ms': r.latency.max,
  'non-2xx': r.non2xx,
  errors: r.errors,
})
type Summary = ReturnType<typeof summary>

/** Both rounds of a target: req/s and latencies as the mean of the rounds, the worst max, every failure. */
function combine(rounds: Summary[]) {
  const of = (key: keyof Summary) => rounds.map((r) => r[key])
  return {
    'req/s': round(mean(of('req/s')), 0),
    'p50 ms': round(mean(of('p50 ms')), 1),
    'p99 ms': round(mean(of('p99 ms')), 1),
    'max ms': Math.max(...of('max ms')),
    'rounds (req/s)': of('req/s').join(' '),
    'non-2xx': of('non-2xx').reduce((a, b) => a + b, 0),
    errors: of('errors').reduce((a, b) => a + b, 0),
  }
}

bench(
  '2. API vs bare route',
  async () => {
    const pipeline = await startPipeline([])
    try {
      const port = await freePort()
      const unreachableAmqpUrl = `amqp://guest:guest@127.0.0.1:${await freePort()}` // nothing listens there
      // Request logging off in all (the bare route has none): what is compared is the route's work.
      // The limiter counts every request but never refuses one.
      // NODE_ENV=production as the Dockerfile runs it (measured: no difference from the default, within this machine's
      // noise).
      const env = pipeline.env({
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        PORT: String(port),
        RATE_LIMIT_PER_MINUTE: '1000000',
      })
      const poolSize = loadConfig(env).DATABASE_POOL_SIZE
      const body = JSON.stringify({
        user_id: pipeline.userId,
        product_name: 'Desk lamp',
        product_description: 'Brass, 40 cm, with a linen shade.\nShips in 2 days.',
        product_images: [1, 2, 3].map((n) => `https://images.example.com/lamp/${n}.jpg`),
        product_price: 49.95,
      })
      const load = (duration: number) =>
        autocannon({
          url: `http://127.0.0.1:${port}/products`,
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${pipeline.apiKey}` },
          body,
          connections: CONNECTIONS,
          duration,
        })

      const rounds: Record<Target, Summary[]> = { bare: [], 'bare+key': [], prisma: [], api: [], 'api-no-relay': [] }
      for (const target of ORDER) {
        const server = startTarget(target, rounds[target].length + 1, env, unreachableAmqpUrl)
        try {
          await waitForPort(port)
          await load(WARMUP_S)
          if (target === 'api') await outboxDrained(pipeline)
          rounds[target].push(summary(await load(MEASURE_S)))
        } finally {
          await server.stop()
        }
        // What the API stored without a relay is not the next API round's to publish.
        if (target === 'api-no-relay') {
          await pipeline.database.db.product.updateMany({ where: { queued_at: null }, data: { queued_at: new Date() } })
        }
      }

      const figures = {
        bare: combine(rounds.bare),
        'bare+key': combine(rounds['bare+key']),
        prisma: combine(rounds.prisma),
        api: combine(rounds.api),
        'api-no-relay': combine(rounds['api-no-relay']),
      }
      if (Object.values(figures).some((f) => f['non-2xx'] + f.errors > 0)) {
        throw new Error(`failed requests: ${JSON.stringify(figures)}`)
      }
      const ratio = round(figures.api['req/s'] / figures.bare['req/s'], 3)
      const keyRatio = round(figures['bare+key']['req/s'] / figures.bare['req/s'], 3)
      const prismaRatio = round(figures.api['req/s'] / figures.prisma['req/s'], 3)
      const noRelayRatio = round(figures['api-no-relay']['req/s'] / figures.prisma['req/s'], 3)
      const p99 = figures.api['p99 ms']
      report('2-api-vs-bare', {
        title: 'API vs bare route',
        method:
          `POST /products, ${CONNECTIONS} connections, autocannon in the bench process; one server process at a ` +
          `time with a pool of ${poolSize}, ` +
          `rounds ${ORDER.join(', ')}; each round ${WARMUP_S} s warm-up (for the API, then its outbox drained), ` +
          `${MEASURE_S} s measured; ` +
          `api-no-relay is the API with AMQP_URL pointing where nothing listens, so its relay never starts; ` +
          `figures are the mean of a target's two rounds; NODE_ENV=production and LOG_LEVEL=warn (no request logs) ` +
          `in all.`,
        rows: [
          { target: 'bare route: validation + one pg INSERT', ...figures.bare },
          { target: 'bare route behind the key check and rate limiter', ...figures['bare+key'] },
          { target: 'plain route: validation + Prisma create (no key, no outbox)', ...figures.prisma },
          { target: 'API: key check + validation + Prisma insert + outbox', ...figures.api },
          { target: 'API with RabbitMQ unreachable, so no outbox relay runs', ...figures['api-no-relay'] },
          { target: 'ratio bare+key / bare (req/s): what access control costs', 'req/s': keyRatio },
          { target: 'ratio API / bare (req/s)', 'req/s': ratio },
          { target: 'ratio API / plain Prisma route (req/s)', 'req/s': prismaRatio },
          { target: 'ratio API without its relay / plain Prisma route (req/s)', 'req/s': noRelayRatio },
        ],
        goals: [
          { goal: `API / bare req/s ≥ ${GOAL_RATIO}`, measured: ratio.toFixed(2), met: ratio >= GOAL_RATIO },
          {
            goal: `API p99 ≤ ${GOAL_P99_MS} ms at ${CONNECTIONS} connections`,
            measured: `${p99} ms`,
            met: p99 <= GOAL_P99_MS,
          },
          {
            goal: `API / plain Prisma route req/s ≥ ${GOAL_PRISMA_RATIO}`,
            measured: prismaRatio.toFixed(2),
            met: prismaRatio >= GOAL_PRISMA_RATIO,
          },
        ],
        data: {
          connections: CONNECTIONS,
          poolSize,
          measureSeconds: MEASURE_S,
          rounds,
          figures,
          ratio,
          keyRatio,
          prismaRatio,
          noRelayRatio,
        },
      })
    } finally {
      await pipeline.close()
    }
  },
  ONCE,
)
