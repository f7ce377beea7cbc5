import { randomUUID } from 'node:crypto'
import type { Message } from 'amqplib'
import type { BrokerAsPromised, BrokerConfig, QueueConfig } from 'rascal'
import { inject } from 'vitest'
import type { Logger } from 'pino'
import { brokerConfig, createBroker } from '../../src/queue/broker.ts'

export interface TestBroker {
  broker: BrokerAsPromised
  config: BrokerConfig
  /** Messages that reached the dead-letter queue, with their headers. */
  deadLetters: Message[]
  /** Deletes this test's queues and exchanges. */
  close(): Promise<void>
}

/** The production topology under a namespace of its own, plus a consumer on the dead-letter queue. */
export async function createTestBroker(
  log: Logger,
  tune: (config: BrokerConfig) => void = () => {},
  namespace = `test-${randomUUID()}`,
  amqpUrl = inject('amqpUrl'),
): Promise<TestBroker> {
  const config = brokerConfig({ amqpUrl, namespace })
  config.vhosts!['/']!.subscriptions!.dead_letters = { queue: 'products.dead' }
  tune(config)
  const broker = await createBroker(config, log)
  const deadLetters: Message[] = []
  const dead = await broker.subscribe('dead_letters')
  dead.on('message', (message: Message, _content: unknown, ackOrNack: () => void) => {
    deadLetters.push(message)
    ackOrNack()
  })
  // A lost connection is an error event here too (rascal then resubscribes); unheard, it would crash the test.
  dead.on('error', (err: Error) => log.warn({ err }, 'dead-letter subscription error'))
  return {
    broker,
    config,
    deadLetters,
    async close() {
      await broker.unsubscribeAll()
      await broker.nuke()
    },
  }
}

/** The declared queues by name (rascal's type also allows a list). */
export const queuesOf = (config: BrokerConfig) => config.vhosts!['/']!.queues as Record<string, QueueConfig>

/** Shortens the broker-side wait before a retry, keeping the mechanism itself. */
export function setRetryDelay(config: BrokerConfig, ms: number): void {
  queuesOf(config)['products.retry.wait']!.options!.arguments!['x-message-ttl'] = ms
}

/** Shortens every webhook retry wait to `ms`, keeping the mechanism (one wait queue per retry). */
export function setWebhookRetryDelay(config: BrokerConfig, ms: number): void {
  for (const [name, queue] of Object.entries(queuesOf(config))) {
    if (name.startsWith('webhooks.wait.')) queue.options!.arguments!['x-message-ttl'] = ms
  }
}
