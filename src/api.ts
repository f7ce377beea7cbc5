import { Registry } from 'prom-client'
import type { BrokerAsPromised } from 'rascal'
import { appSettings, buildApp } from './app.ts'
import { trustProxy, type Config } from './config.ts'
import type { Db } from './db/client.ts'
import { createImageStore } from './images/storage/index.ts'
import type { Logger } from './logger.ts'
import { measureOutboxBacklog } from './metrics.ts'
import { serveOperations } from './operations.ts'
import { healthChecks } from './routes/health.ts'
import { connectionStatus, publishProductCreated } from './queue/broker.ts'
import { startOutboxRelay, type OutboxRelay } from './queue/outbox-relay.ts'

export interface ApiDeps {
  config: Config
  db: Db
  /** The API serves before the broker is reachable; only the relay waits for it. */
  broker: Promise<BrokerAsPromised>
  log: Logger
}

/**
 * The public HTTP server, its operations server (probes and metrics, on OPERATIONS_PORT), and the
 * outbox relay that hands stored products to RabbitMQ.
 */
export async function startApi({ config, db, broker, log }: ApiDeps) {
  let relay: OutboxRelay | undefined
  let brokerConnected = () => false
  measureOutboxBacklog(async () => {
    const [products, deletions] = await Promise.all([
      db.product.count({ where: { queued_at: null } }),
      db.productDeletion.count({ where: { queued_at: null } }),
    ])
    return products + deletions
  })
  const checks = healthChecks(db, () => brokerConnected())
  const httpMetrics = new Registry()
  const app = await buildApp(
    {
      db,
      onProductCreated: () => relay?.wake(),
      checks,
      settings: appSettings(config),
      httpMetrics,
      store: await createImageStore(config),
    },
    { loggerInstance: log, trustProxy: trustProxy(config.TRUST_PROXY) },
  )
  await app.listen({ host: config.HOST, port: config.PORT })
  const operations = await serveOperations({
    host: config.OPERATIONS_HOST,
    port: config.OPERATIONS_PORT,
    checks,
    log,
    httpMetrics,
  })
  const relayStarted = broker.then(
    (connected) => {
      brokerConnected = connectionStatus(connected)
      relay = startOutboxRelay({ db, publish: (id) => publishProductCreated(connected, id), log })
    },
    () => {}, // no broker before shutdown: nothing to relay
  )
  return {
    app,
    operations,
    async stop() {
      await app.close()
      await operations.close()
      await relayStarted
      await relay?.stop()
    },
  }
}
