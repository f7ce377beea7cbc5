import { Agent, errors, request } from 'undici'
import type { AddressPolicy } from '../images/address-policy.ts'
import { PermanentImageError } from '../images/errors.ts'
import { guardedConnector } from '../images/guarded-connector.ts'
import { imageUrlProblem } from '../images/url-policy.ts'

/** What a receiver did with one attempt: its status, or why no status came. */
export type Answer =
  { statusCode: number } | { error: 'timeout' | 'unreachable' | 'blocked_address' | 'bad_url'; detail: string }

export interface SenderOptions {
  /** The whole attempt: connecting, sending, and the answer's headers. */
  timeoutMs: number
  addressPolicy: AddressPolicy
}

export interface Sender {
  send(url: string, request: { headers: Record<string, string>; body: string }): Promise<Answer>
  close(): Promise<void>
}

const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

function failure(error: unknown): Answer {
  const detail = error instanceof Error ? error.message : String(error)
  if (error instanceof PermanentImageError && error.code === 'blocked_address') {
    return { error: 'blocked_address', detail }
  }
  const name = (error as { name?: string }).name
  const code = (error as { code?: string }).code ?? ''
  if (name === 'TimeoutError' || (error instanceof errors.UndiciError && TIMEOUTS.has(code))) {
    return { error: 'timeout', detail }
  }
  return { error: 'unreachable', detail }
}

/**
 * POSTs events the way the worker downloads images: every connection through the guarded
 * connector (the address policy, checked again at each delivery, and no DNS rebinding), within a
 * deadline. undici's request follows no redirect: a 3xx is an answer like any other non-2xx.
 */
export function createSender({ timeoutMs, addressPolicy }: SenderOptions): Sender {
  const dispatcher = new Agent({
    connect: guardedConnector(addressPolicy, { timeout: timeoutMs }),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  })
  return {
    async send(url, { headers, body }) {
      const problem = imageUrlProblem(url)
      if (problem) return { error: 'bad_url', detail: `the URL ${problem}` }
      try {
        const response = await request(url, {
          method: 'POST',
          dispatcher,
          headers: { 'content-type': 'application/json', 'user-agent': 'product-image-pipeline-webhooks', ...headers },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        })
        // The answer's body means nothing here: read a little of it so the connection can be reused.
        await response.body.dump({ limit: 64 * 1024 }).catch(() => {})
        return { statusCode: response.statusCode }
      } catch (error) {
        return failure(error)
      }
    },
    close: () => dispatcher.close(),
  }
}
