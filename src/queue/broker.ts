import { readFileSync } from 'node:fs'
import path from 'node:path'
import rascal, { type BrokerAsPromised, type BrokerConfig, type Recovery } from 'rascal'
import type { Logger } from 'pino'

const CONFIG_FILE = path.resolve(import.meta.dirname, '../../rascal.config.json')

export const PUBLICATION = 'product_created'
export const SUBSCRIPTION = 'process_product'

export interface BrokerOptions {
  amqpUrl: string
  /** Prefixes every queue and exchange: lets tests share one RabbitMQ without seeing each other. */
  namespace?: string
  prefetch?: number
}

/** The topology of rascal.config.json, pointed at AMQP_URL. */
export function brokerConfig({ amqpUrl, namespace, prefetch }: BrokerOptions): BrokerConfig {
  const config = JSON.parse(readFileSync(CONFIG_FILE, 'utf8')) as BrokerConfig
  const vhost = config.vhosts!['/']!
  vhost.connection = { url: amqpUrl }
  if (namespace) vhost.namespace = namespace
  if (prefetch) vhost.subscriptions![SUBSCRIPTION]!.prefetch = prefetch
  return config
}

/** The recovery chain declared beside the subscription (rascal itself takes it per ackOrNack call). */
export function recoveryOf(config: BrokerConfig): Recovery[] {
  const subscription = config.vhosts!['/']!.subscriptions![SUBSCRIPTION] as { recovery?: Recovery[] }
  if (!subscription.recovery?.length) throw new Error(`rascal.config.json: subscription ${SUBSCRIPTION} declares no recovery`)
  return subscription.recovery
}

export async function createBroker(config: BrokerConfig, log: Logger): Promise<BrokerAsPromised> {
  const broker = await rascal.BrokerAsPromised.create(rascal.withDefaultConfig(config))
  // Connection and channel errors are recovered by rascal; unhandled they would crash the process.
  broker.on('error', (err: Error) => log.error({ err }, 'broker error'))
  broker.on('blocked', (reason: string) => log.warn({ reason }, 'broker blocked the connection'))
  return broker
}

/** Resolves once RabbitMQ has confirmed the message, rejects if it could not be delivered. */
export async function publishProductCreated(broker: BrokerAsPromised, productId: number): Promise<void> {
  const publication = await broker.publish(PUBLICATION, { product_id: productId })
  await new Promise<void>((resolve, reject) => {
    publication.on('success', () => resolve())
    publication.on('error', (err: Error) => reject(err))
    publication.on('return', () => reject(new Error(`message for product ${productId} was not routed to any queue`)))
  })
}
