import type { Db } from '../db/client.ts'
import type { Prisma } from '../generated/prisma/client.ts'
import type { Verdict } from './verdict.ts'

/** Attempts kept per endpoint, for its owner to read; older ones are deleted as new ones come. */
export const ATTEMPTS_KEPT = 100

export interface AttemptRecord {
  endpointId: number
  webhookId: string
  eventType: string
  attempt: number
  verdict: Verdict
  durationMs: number
}

/**
 * Records an attempt, keeps only the endpoint's last ATTEMPTS_KEPT, and disables the endpoint when
 * its receiver answered 410 Gone, in one transaction.
 */
export async function recordAttempt(db: Db, record: AttemptRecord): Promise<void> {
  const { endpointId, verdict } = record
  const insert = db.webhookAttempt.create({
    data: {
      endpoint_id: endpointId,
      webhook_id: record.webhookId,
      event_type: record.eventType,
      attempt: record.attempt,
      result: verdict.result,
      status_code: verdict.statusCode,
      error: verdict.error,
      duration_ms: Math.round(record.durationMs),
    },
  })
  const prune = db.$executeRaw`
    DELETE FROM webhook_attempts WHERE endpoint_id = ${endpointId} AND id <= (
      SELECT id FROM webhook_attempts WHERE endpoint_id = ${endpointId}
      ORDER BY id DESC OFFSET ${ATTEMPTS_KEPT} LIMIT 1)`
  const disable = db.webhookEndpoint.updateMany({
    where: { id: endpointId, disabled_at: null },
    data: { disabled_at: new Date() },
  })
  // Prisma's queries are lazy: the disable runs only when it is in the transaction.
  const steps: Prisma.PrismaPromise<unknown>[] = verdict.result === 'gone' ? [insert, prune, disable] : [insert, prune]
  await db.$transaction(steps)
}
