import type { EventEmitter } from 'node:events'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import pRetry from 'p-retry'
import rascal, { type BrokerAsPromised, type BrokerConfig, type Recovery, type SubscriptionConfig } from 'rascal'
import type { Logger } from 'pino'

const CONFIG_FILE = path.resolve(import.meta.dirname, '../../rascal.config.json')

export const PUBLICATION = 'product_created'
export const SUBSCRIPTION = 'process_product'

/** Our subscription's settings, with the two that rascal's types do not list. */
type ProductSubscription = SubscriptionConfig & { closeTimeout?: number; recovery?: Recovery[] }

export const subscriptionOf = (config: BrokerConfig) =>
  config.vhosts!['/']!.subscriptions![SUBSCRIPTION] as ProductSubscription

export interface BrokerOptions {
  /**
   * One URL, or the nodes of a cluster separated by commas: each process starts at a random one and
   * moves on to the next when it fails.
   */
  amqpUrl: string
  /** Prefixes every queue and exchange: several environments or test runs share one vhost apart. */
  namespace?: string
  /** How long stopping a subscription waits for messages in hand to be acked. */
  closeTimeoutMs?: number
}

/** The topology of rascal.config.json, pointed at AMQP_URL's nodes. */
export function brokerConfig({ amqpUrl, namespace, closeTimeoutMs }: BrokerOptions): BrokerConfig {
  const config = JSON.parse(readFileSync(CONFIG_FILE, 'utf8')) as BrokerConfig
  const vhost = config.vhosts!['/']!
  vhost.connections = amqpUrl.split(',').map((url) => ({ url: url.trim() }))
  if (namespace) vhost.namespace = namespace
  // Every subscription's (products, webhook deliveries): the worker stops them side by side.
  for (const subscription of Object.values(vhost.subscriptions ?? {}) as ProductSubscription[]) {
    if (closeTimeoutMs) subscription.closeTimeout = closeTimeoutMs
  }
  return config
}

/** The recovery chain declared beside the subscription (rascal itself takes it per ackOrNack call). */
export function recoveryOf(config: BrokerConfig): Recovery[] {
  const subscription = subscriptionOf(config)
  if (!subscription.recovery?.length) {
    throw new Error(`rascal.config.json: subscription ${SUBSCRIPTION} declares no recovery`)
  }
  return subscription.recovery
}

export async function createBroker(config: BrokerConfig, log: Logger): Promise<BrokerAsPromised> {
  const broker = await rascal.BrokerAsPromised.create(rascal.withDefaultConfig(config))
  // Connection and channel errors are recovered by rascal; unhandled they would crash the process.
  broker.on('error', (err: Error) => log.error({ err }, 'broker error'))
  broker.on('blocked', (reason: string) => log.warn({ reason }, 'broker blocked the connection'))
  broker.on('vhost_initialised', ({ connectionUrl }: { connectionUrl: string }) =>
    log.info({ connectionUrl }, 'reconnected to RabbitMQ'),
  )
  log.info('connected to RabbitMQ')
  return broker
}

/** Follows the connection of a broker that is connected now: true until it drops, again once back. */
export function connectionStatus(broker: BrokerAsPromised): () => boolean {
  let connected = true
  broker.on('disconnect', () => (connected = false))
  broker.on('connect', () => (connected = true))
  return () => connected
}

/** RabbitMQ refused to declare a queue that exists with other arguments, e.g. a classic queue of an earlier version. */
export const isTopologyMismatch = (error: Error): boolean =>
  /PRECONDITION[-_]FAILED.*inequivalent arg/.test(error.message)

/**
 * Keeps trying until RabbitMQ answers: a service started while the broker is down comes up
 * anyway (the API serves, the outbox holds products) and connects when it can.
 */
export function connectBroker(config: BrokerConfig, log: Logger, signal: AbortSignal): Promise<BrokerAsPromised> {
  return pRetry(() => createBroker(config, log), {
    retries: Infinity,
    minTimeout: 1000,
    maxTimeout: 30_000,
    signal,
    onFailedAttempt: ({ error, attemptNumber }) => {
      if (!isTopologyMismatch(error)) {
        return log.warn({ err: error, attempt: attemptNumber }, 'RabbitMQ unreachable; retrying')
      }
      // Retrying cannot help until someone moves the queues; say what to do rather than "unreachable".
      log.error(
        { err: error, attempt: attemptNumber },
        'RabbitMQ has our queues declared differently (classic queues of an earlier version?): ' +
          'see docs/operations.md, "Upgrading from classic queues"; retrying',
      )
    },
  })
}

/**
 * Resolves once RabbitMQ has confirmed the message, rejects if it could not be delivered.
 * While the connection is down rascal would hold the message indefinitely; we abort instead
 * and let the outbox try again, so the caller is never left waiting.
 */
export function publishProductCreated(broker: BrokerAsPromised, productId: number): Promise<void> {
  return publishConfirmed(broker, PUBLICATION, { product_id: productId }, `product ${productId}`)
}

/** As publishProductCreated, for any publication with confirms; `what` names the message in errors. */
export async function publishConfirmed(
  broker: BrokerAsPromised,
  name: string,
  content: object,
  what: string,
): Promise<void> {
  const publication = await broker.publish(name, content)
  await new Promise<void>((resolve, reject) => {
    publication.on('success', () => resolve())
    publication.on('error', (err: Error) => reject(err))
    const events: EventEmitter = publication // rascal's types do not list 'paused'
    events.on('paused', () => {
      publication.abort()
      reject(new Error(`RabbitMQ unavailable: ${what} not published`))
    })
    publication.on('return', () => reject(new Error(`message for ${what} was not routed to any queue`)))
  })
}
