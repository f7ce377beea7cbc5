import { Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import pRetry from 'p-retry'
import type { Message } from 'amqplib'
import type { BrokerAsPromised, Recovery, SubscriberSessionAsPromised } from 'rascal'
import type { Logger } from 'pino'
import { messagesDeadLettered, messagesRetried } from '../metrics.ts'
import { SUBSCRIPTION } from './broker.ts'

const ProductMessage = Type.Object({ product_id: Type.Integer({ minimum: 1 }) })

/** The product id a message carries, or undefined for anything else. */
export function productIdOf(content: unknown): number | undefined {
  return Value.Check(ProductMessage, content) ? content.product_id : undefined
}

/** Which delivery of a product this is: a retry of an earlier failure, and the last one the retries allow. */
export interface Attempt {
  retry: boolean
  last: boolean
}

/** How many times rascal has forwarded the message to a retry queue (its recovery headers say). */
export function forwardedOf(message: Pick<Message, 'properties'>): number {
  const rascal = message.properties.headers?.rascal as
    { originalQueue?: string; recovery?: Record<string, { forwarded?: number }> } | undefined
  return rascal?.recovery?.[rascal.originalQueue ?? '']?.forwarded ?? 0
}

/** How many times rascal has forwarded the message to the retry queue, against the attempts declared. */
export function attemptOf(message: Pick<Message, 'properties'>, recovery: Recovery[]): Attempt {
  const forwarded = forwardedOf(message)
  // The last forward with attempts (a chain may go through several, one per wait).
  const attempts = Math.max(0, ...recovery.map((step) => step.attempts ?? 0))
  return { retry: forwarded > 0, last: forwarded >= attempts }
}

export type ProductHandler = (productId: number, attempt: Attempt) => Promise<unknown>

/** Errors that no retry can fix: straight to the dead-letter queue. */
export type IsPoison = (error: unknown) => boolean

const handBack: Recovery = { strategy: 'nack', requeue: true }

export interface SubscribeOptions {
  broker: BrokerAsPromised
  recovery: Recovery[]
  handle: ProductHandler
  isPoison: IsPoison
  /** Products taken from the queue at once (WORKER_PREFETCH). */
  prefetch: number
  stopping: AbortSignal
  log: Logger
}

/**
 * Acks only after the handler has finished (and so committed); failures follow the recovery
 * chain declared in rascal.config.json; poison goes straight to its last, dead-letter, step.
 * Once `stopping` is aborted, a failed message is handed back to the queue as it was.
 * A message that never gets that far (it kills or loses its consumer every time) is capped by
 * the broker: the work queue's x-delivery-limit dead-letters it, whichever worker saw it.
 * Resolves once RabbitMQ has registered the consumer.
 */
export async function subscribeToProducts({
  broker,
  recovery,
  handle,
  isPoison,
  prefetch,
  stopping,
  log,
}: SubscribeOptions): Promise<SubscriberSessionAsPromised> {
  const deadLetter = recovery.at(-1)!
  const attach = (subscription: SubscriberSessionAsPromised) => {
    subscription.on('message', (message: Message, content: unknown, ackOrNack) => {
      const productId = productIdOf(content)
      if (productId === undefined) {
        log.error({ content }, 'message without a valid product_id: dead-lettered')
        messagesDeadLettered.inc({ reason: 'invalid_message' })
        return ackOrNack(new Error('message without a valid product_id'), deadLetter)
      }
      const attempt = attemptOf(message, recovery)
      handle(productId, attempt).then(
        () => ackOrNack(),
        (err: Error) => {
          if (stopping.aborted && !isPoison(err)) {
            log.warn({ err, product_id: productId }, 'worker stopping: message handed back to the queue')
            return ackOrNack(err, handBack)
          }
          const poison = isPoison(err)
          log.error(
            { err, product_id: productId },
            poison ? 'product cannot be processed: dead-lettered' : 'product processing failed: will retry',
          )
          if (poison) messagesDeadLettered.inc({ reason: 'unknown_product' })
          else if (attempt.last) messagesDeadLettered.inc({ reason: 'retries_exhausted' })
          else messagesRetried.inc()
          ackOrNack(err, poison ? deadLetter : recovery)
        },
      )
    })
    subscription.on('invalid_content', (err: Error, _message: Message, ackOrNack) => {
      log.error({ err }, 'unparsable message: dead-lettered')
      messagesDeadLettered.inc({ reason: 'unparsable' })
      ackOrNack(err, deadLetter)
    })
    subscription.on('error', (err: Error) => log.error({ err }, 'subscription error'))
  }
  return pRetry(() => consume(broker, { name: SUBSCRIPTION, prefetch }, attach), {
    retries: Infinity,
    minTimeout: 1000,
    maxTimeout: 30_000,
    signal: stopping,
    onFailedAttempt: ({ error }) => log.warn({ err: error }, 'could not start consuming; retrying'),
  })
}

/**
 * rascal retries a consumer whose channel fails later, but not one whose first channel fails
 * (the connection dropping while it subscribes): it only emits 'error'. Then we start over.
 */
export async function consume(
  broker: BrokerAsPromised,
  { name, prefetch }: { name: string; prefetch: number },
  attach: (subscription: SubscriberSessionAsPromised) => void,
): Promise<SubscriberSessionAsPromised> {
  const subscription = await broker.subscribe(name, { prefetch })
  const subscribed = new Promise<void>((resolve, reject) => {
    subscription.once('subscribed', resolve)
    subscription.once('error', reject)
  })
  attach(subscription) // the 'message' listener is what makes rascal start consuming
  try {
    await subscribed
    return subscription
  } catch (error) {
    await subscription.cancel().catch(() => {})
    throw error
  }
}
