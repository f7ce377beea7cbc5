import type { BrokerAsPromised } from 'rascal'
import { buildApp } from './app.ts'
import type { Config } from './config.ts'
import type { Db } from './db/client.ts'
import type { Logger } from './logger.ts'
import { publishProductCreated } from './queue/broker.ts'
import { startOutboxRelay } from './queue/outbox-relay.ts'

export interface ApiDeps {
  config: Config
  db: Db
  broker: BrokerAsPromised
  log: Logger
}

/** HTTP server plus the outbox relay that hands stored products to RabbitMQ. */
export async function startApi({ config, db, broker, log }: ApiDeps) {
  const relay = startOutboxRelay(db, (id) => publishProductCreated(broker, id), log)
  const app = await buildApp({ db, onProductCreated: relay.wake }, { loggerInstance: log })
  await app.listen({ host: config.HOST, port: config.PORT })
  return {
    app,
    async stop() {
      await app.close()
      await relay.stop()
    },
  }
}
