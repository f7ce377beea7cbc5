import { type Static, Type } from '@sinclair/typebox'
import { INT4_MAX } from '../routes/products/schema.ts'
import { EVENT_TYPES } from './event.ts'

/** Most endpoints one user may have: each settled product sends one message to each of them. */
export const MAX_ENDPOINTS_PER_USER = 10

/** The body of POST /webhooks; `imageUrl` and `text` are the products' Ajv keywords (routes/products/keywords.ts). */
export const CreateWebhookBody = Type.Object(
  {
    user_id: Type.Integer({ minimum: 1, maximum: INT4_MAX }),
    url: Type.String({
      maxLength: 2048,
      imageUrl: true,
      description:
        'where the events are POSTed: http(s), no credentials, on a public address (unless the server allows ' +
        'others); redirects are not followed',
    }),
    description: Type.Optional(
      Type.String({ maxLength: 200, text: 'line', description: 'for you, e.g. "storefront"' }),
    ),
  },
  { additionalProperties: false },
)

export const WebhookParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: INT4_MAX }) })

const endpointFields = {
  id: Type.Integer(),
  user_id: Type.Integer(),
  url: Type.String(),
  description: Type.String(),
  events: Type.Array(Type.String(), { description: 'the events sent to it: every product event of its user' }),
  enabled: Type.Boolean({ description: 'false once its receiver answered 410 Gone: nothing more is sent' }),
  disabled_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
}

export const WebhookEndpoint = Type.Object(endpointFields)
// eslint-disable-next-line @typescript-eslint/no-redeclare -- TypeBox's idiom: a schema and its type share a name
export type WebhookEndpoint = Static<typeof WebhookEndpoint>

export const CreatedWebhook = Type.Object({
  ...endpointFields,
  secret: Type.String({
    description:
      'the signing secret (Standard Webhooks: whsec_ and base64), shown this once: keep it to verify ' +
      'webhook-signature',
  }),
})

export const WebhookAttempt = Type.Object({
  webhook_id: Type.String({ description: 'the event, the same on each of its attempts' }),
  event_type: Type.Union(EVENT_TYPES.map((type) => Type.Literal(type))),
  attempt: Type.Integer({ description: '1 for the first delivery of the event, 2 for its first retry...' }),
  result: Type.Union(
    ['delivered', 'failed', 'gave_up', 'gone', 'blocked'].map((result) => Type.Literal(result)),
    {
      description:
        'delivered (2xx); failed (tried again later); gave_up (the last attempt failed); gone (410: the endpoint ' +
        'is disabled); blocked (the address is refused)',
    },
  ),
  status_code: Type.Union([Type.Integer(), Type.Null()], { description: "the receiver's answer; null if none came" }),
  error: Type.Union([Type.String(), Type.Null()], {
    description: 'why it failed: http_<status>, timeout, unreachable, blocked_address or bad_url',
  }),
  duration_ms: Type.Integer(),
  created_at: Type.String({ format: 'date-time' }),
})

export const WebhookDetail = Type.Object({
  ...endpointFields,
  attempts: Type.Array(WebhookAttempt, { description: 'the last delivery attempts, newest first' }),
})

export const WebhookList = Type.Object({
  items: Type.Array(WebhookEndpoint),
  next_cursor: Type.Union([Type.String(), Type.Null()], {
    description: 'pass as `cursor` for the next page; null on the last page',
  }),
})
