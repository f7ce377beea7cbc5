import { randomBytes } from 'node:crypto'
import { Webhook } from 'standardwebhooks'

/** Standard Webhooks' secret form: `whsec_` and the base64 of the HMAC key (32 random bytes here). */
export const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`

/**
 * The headers of one delivery attempt, signed by the spec's own library, so that any of its SDKs
 * verifies them: `webhook-signature` is `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. The
 * timestamp is the attempt's own (receivers refuse old ones, against replays); the id is the
 * event's, the same on every attempt.
 */
export function signedHeaders(
  secret: string,
  { webhookId, body, at }: { webhookId: string; body: string; at: Date },
): Record<string, string> {
  return {
    'webhook-id': webhookId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(webhookId, at, body),
  }
}
