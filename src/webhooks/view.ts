import type { WebhookAttempt as AttemptRow, WebhookEndpoint as EndpointRow } from '../generated/prisma/client.ts'
import { EVENT_TYPES, type EventType } from './event.ts'
import type { WebhookEndpoint } from './schema.ts'

/** An endpoint as the API shows it: never its secret (POST /webhooks shows that once). */
export const endpointView = (row: EndpointRow): WebhookEndpoint => ({
  id: row.id,
  user_id: row.user_id,
  url: row.url,
  description: row.description,
  events: [...EVENT_TYPES],
  enabled: row.disabled_at === null,
  disabled_at: row.disabled_at?.toISOString() ?? null,
  created_at: row.created_at.toISOString(),
})

export const attemptView = (row: AttemptRow) => ({
  webhook_id: row.webhook_id,
  event_type: row.event_type as EventType,
  attempt: row.attempt,
  result: row.result,
  status_code: row.status_code,
  error: row.error,
  duration_ms: row.duration_ms,
  created_at: row.created_at.toISOString(),
})
