// Entry: `tsx src/main.ts [api|worker]`; with no role it runs both in one process.
import closeWithGrace from 'close-with-grace'
import { startApi } from './api.ts'
import { loadConfig } from './config.ts'
import { createDb } from './db/client.ts'
import { createLogger } from './logger.ts'
import { brokerConfig, createBroker, recoveryOf } from './queue/broker.ts'
import { startWorker } from './worker.ts'

const role = process.argv[2] ?? 'all'
if (!['api', 'worker', 'all'].includes(role)) {
  console.error(`Unknown role "${role}": use api, worker, or nothing for both`)
  process.exit(2)
}

const config = loadConfig()
const log = createLogger(config, role === 'all' ? 'product-image-pipeline' : role)
const db = createDb(config.DATABASE_URL, config.DATABASE_POOL_SIZE)
const rascalConfig = brokerConfig({ amqpUrl: config.AMQP_URL })
const broker = await createBroker(rascalConfig, log)

const stops: (() => Promise<void>)[] = []
if (role !== 'api') stops.push((await startWorker({ config, db, broker, recovery: recoveryOf(rascalConfig), log })).stop)
if (role !== 'worker') stops.push((await startApi({ config, db, broker, log })).stop)

// Stop taking work first, then close the broker (unacked messages go back to the queue) and the pool.
closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS, logger: log }, async ({ err, signal }) => {
  if (err) log.error({ err }, 'shutting down after an error')
  else log.info({ signal }, 'shutting down')
  for (const stop of stops) await stop()
  await broker.shutdown()
  await db.$disconnect()
})
