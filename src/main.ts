// Entry: `node dist/main.js [api|worker]` (npm run build first), or `tsx src/main.ts [api|worker]`
// from the sources; with no role it runs both in one process.
import closeWithGrace from 'close-with-grace'
import { loadConfig } from './config.ts'
import { createDb } from './db/client.ts'
import { createLogger } from './logger.ts'
import { serveOperations } from './operations.ts'
import { healthChecks } from './routes/health.ts'
import { brokerConfig, connectBroker, connectionStatus, recoveryOf } from './queue/broker.ts'

const role = process.argv[2] ?? 'all'
if (!['api', 'worker', 'all'].includes(role)) {
  console.error(`Unknown role "${role}": use api, worker, or nothing for both`)
  process.exit(2)
}

const config = loadConfig()
const log = createLogger(config, role === 'all' ? 'product-image-pipeline' : role)
// A worker holds one connection for each product in hand (its lock: db/product-lock.ts) beside the pool's.
const db = createDb(config.DATABASE_URL, config.DATABASE_POOL_SIZE + (role === 'api' ? 0 : config.WORKER_PREFETCH))
// The subscription gets most of the shutdown budget; the rest closes the broker and the pool.
const rascalConfig = brokerConfig({
  amqpUrl: config.AMQP_URL,
  namespace: config.AMQP_NAMESPACE,
  closeTimeoutMs: Math.floor(config.SHUTDOWN_TIMEOUT_MS * 0.8),
})
const stopping = new AbortController()
const broker = connectBroker(rascalConfig, log, stopping.signal)
const stops: (() => Promise<void>)[] = []

// First stop taking work (HTTP, then messages), then close the broker (anything unacked goes
// back to the queue) and the pool. A second signal, or the deadline, forces the exit.
closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS, logger: log }, async ({ err, signal }) => {
  if (err) log.error({ err }, 'shutting down after an error')
  else log.info({ signal }, 'shutting down')
  stopping.abort()
  for (const stop of stops) await stop()
  await (await broker.catch(() => undefined))?.shutdown()
  await db.$disconnect()
  log.info('stopped')
})

// Each role loads only its own modules: a worker never loads the API's routes and docs, nor the API
// sharp and libvips, which only cost idle memory there (bench/memory.bench.ts measures the idle RSS).
if (role !== 'worker') {
  const { startApi } = await import('./api.ts')
  stops.push((await startApi({ config, db, broker, log })).stop)
}
if (role !== 'api') {
  const connected = await broker.catch(() => undefined)
  if (connected && !stopping.signal.aborted) {
    const { startWorker } = await import('./worker.ts')
    stops.push((await startWorker({ config, db, broker: connected, recovery: recoveryOf(rascalConfig), log })).stop)
    if (role === 'worker') {
      const checks = healthChecks(db, connectionStatus(connected))
      const operations = await serveOperations({ host: config.OPERATIONS_HOST, port: config.WORKER_PORT, checks, log })
      stops.push(() => operations.close())
    }
  }
}
