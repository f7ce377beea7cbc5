import type { WebhookResult } from '../generated/prisma/client.ts'
import type { Answer } from './send.ts'

/**
 * How an attempt ended and what becomes of its message: `ack` (done with it), `retry` (the
 * subscription's recovery chain: the next wait queue, or webhooks.dead after the last attempt), or
 * `dead_letter` (no retry can help).
 */
export interface Verdict {
  result: WebhookResult
  statusCode: number | null
  /** Why it failed, as a code (http_500, timeout, unreachable, blocked_address, bad_url); null when delivered. */
  error: string | null
  then: 'ack' | 'retry' | 'dead_letter'
}

/**
 * A 2xx is delivery; 410 Gone disables the endpoint; any other answer, a timeout or a connection
 * that fails is tried again later (the receiver may be down or being deployed), until the last
 * attempt; an address the policy refuses stays refused, so it is not retried.
 */
export function verdictOf(answer: Answer, { last }: { last: boolean }): Verdict {
  const failed = last ? 'gave_up' : 'failed'
  if ('error' in answer) {
    const refused = answer.error === 'blocked_address' || answer.error === 'bad_url'
    return refused
      ? { result: 'blocked', statusCode: null, error: answer.error, then: 'dead_letter' }
      : { result: failed, statusCode: null, error: answer.error, then: 'retry' }
  }
  const { statusCode } = answer
  if (statusCode >= 200 && statusCode < 300) return { result: 'delivered', statusCode, error: null, then: 'ack' }
  if (statusCode === 410) return { result: 'gone', statusCode, error: 'http_410', then: 'ack' }
  return { result: failed, statusCode, error: `http_${statusCode}`, then: 'retry' }
}
