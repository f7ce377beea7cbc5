import type { Message } from 'amqplib'
import pRetry from 'p-retry'
import type { BrokerAsPromised, Recovery, SubscriberSessionAsPromised } from 'rascal'
import type { Db } from '../db/client.ts'
import type { Logger } from '../logger.ts'
import { webhookDeliveries } from '../metrics.ts'
import { attemptOf, consume, forwardedOf } from '../queue/subscriber.ts'
import { recordAttempt } from './attempts.ts'
import { isDeliveryMessage, type DeliveryMessage } from './event.ts'
import type { Sender } from './send.ts'
import { signedHeaders } from './signing.ts'
import { DELIVERY_SUBSCRIPTION } from './topology.ts'
import { verdictOf, type Verdict } from './verdict.ts'

export interface DeliveryDeps {
  db: Db
  sender: Sender
  log: Logger
}

/**
 * One attempt of one event to its endpoint: signed now, sent, judged and recorded. Undefined when
 * the endpoint was deleted or disabled since the event was announced: nothing is sent.
 */
export async function deliverOnce(
  { db, sender, log }: DeliveryDeps,
  message: DeliveryMessage,
  { attempt, last }: { attempt: number; last: boolean },
): Promise<Verdict | undefined> {
  const endpoint = await db.webhookEndpoint.findUnique({ where: { id: message.endpoint_id } })
  if (!endpoint || endpoint.disabled_at) return undefined
  const webhookId = message.webhook_id
  const body = JSON.stringify(message.payload)
  const started = performance.now()
  const answer = await sender.send(endpoint.url, {
    headers: signedHeaders(endpoint.secret, { webhookId, body, at: new Date() }),
    body,
  })
  const verdict = verdictOf(answer, { last })
  await recordAttempt(db, {
    endpointId: endpoint.id,
    webhookId,
    eventType: message.payload.type,
    attempt,
    verdict,
    durationMs: performance.now() - started,
  })
  // The network's own words (addresses, errno) go to the log only; the owner reads the code.
  const fields = {
    endpoint_id: endpoint.id,
    webhook_id: webhookId,
    attempt,
    ...verdict,
    detail: 'detail' in answer ? answer.detail : undefined,
  }
  if (verdict.result === 'delivered') log.info(fields, 'webhook delivered')
  else log.warn(fields, 'webhook not delivered')
  return verdict
}

export interface SubscribeDeliveriesOptions extends DeliveryDeps {
  broker: BrokerAsPromised
  recovery: Recovery[]
  prefetch: number
  stopping: AbortSignal
}

const handBack: Recovery = { strategy: 'nack', requeue: true }

/**
 * Consumes webhooks.deliver. A delivered, gone or skipped event is acked; a failed one follows the
 * recovery chain of rascal.config.json (the wait queue of its retry, then webhooks.dead); a refused
 * address or an unreadable message goes to webhooks.dead at once. An error of ours (the database
 * down) is retried the same way, or handed back untouched while the worker stops.
 */
export function subscribeToDeliveries({
  broker,
  recovery,
  prefetch,
  stopping,
  ...deps
}: SubscribeDeliveriesOptions): Promise<SubscriberSessionAsPromised> {
  const deadLetter = recovery.at(-1)!
  const { log } = deps
  const attach = (subscription: SubscriberSessionAsPromised) => {
    subscription.on('message', (message: Message, content: unknown, ackOrNack) => {
      if (!isDeliveryMessage(content)) {
        log.error({ content }, 'webhook message without a valid event: dead-lettered')
        return ackOrNack(new Error('webhook message without a valid event'), deadLetter)
      }
      const attempt = { attempt: forwardedOf(message) + 1, last: attemptOf(message, recovery).last }
      deliverOnce(deps, content, attempt).then(
        (verdict) => {
          webhookDeliveries.inc({ result: verdict?.result ?? 'skipped' })
          if (!verdict || verdict.then === 'ack') return ackOrNack()
          const error = new Error(`webhook ${content.webhook_id}: ${verdict.error}`)
          ackOrNack(error, verdict.then === 'retry' ? recovery : deadLetter)
        },
        (err: Error) => {
          log.error({ err, webhook_id: content.webhook_id }, 'webhook delivery failed on our side')
          ackOrNack(err, stopping.aborted ? handBack : recovery)
        },
      )
    })
    subscription.on('invalid_content', (err: Error, _message: Message, ackOrNack) => {
      log.error({ err }, 'unparsable webhook message: dead-lettered')
      ackOrNack(err, deadLetter)
    })
    subscription.on('error', (err: Error) => log.error({ err }, 'webhook subscription error'))
  }
  return pRetry(() => consume(broker, { name: DELIVERY_SUBSCRIPTION, prefetch }, attach), {
    retries: Infinity,
    minTimeout: 1000,
    maxTimeout: 30_000,
    signal: stopping,
    onFailedAttempt: ({ error }) => log.warn({ err: error }, 'could not start delivering webhooks; retrying'),
  })
}
