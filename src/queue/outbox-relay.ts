import type { Logger } from 'pino'
import type { Db } from '../db/client.ts'

export type Publish = (productId: number) => Promise<void>

/**
 * Publishes products not yet confirmed by the broker and marks them queued, in one transaction;
 * deleted products likewise (product_deletions), whose message has the worker remove their files.
 * One statement per table claims the batch: it marks the rows and locks them until the broker has
 * confirmed every message and the transaction commits, so no other process sees them marked
 * before that. A failed publish or a crash before the commit rolls the marks back, and those
 * rows are published again on a later pass, which the worker tolerates. SKIP LOCKED lets several
 * API processes relay side by side without publishing the same rows.
 */
export async function relayPending(db: Db, publish: Publish, batchSize = 100): Promise<number> {
  return db.$transaction(
    async (tx) => {
      const products = await tx.$queryRaw<{ product_id: number }[]>`
        UPDATE products SET queued_at = now(), updated_at = now()
        WHERE product_id IN (
          SELECT product_id FROM products WHERE queued_at IS NULL
          ORDER BY product_id LIMIT ${batchSize} FOR UPDATE SKIP LOCKED)
        RETURNING product_id`
      const deletions = await tx.$queryRaw<{ product_id: number }[]>`
        UPDATE product_deletions SET queued_at = now()
        WHERE product_id IN (
          SELECT product_id FROM product_deletions WHERE queued_at IS NULL
          ORDER BY product_id LIMIT ${batchSize} FOR UPDATE SKIP LOCKED)
        RETURNING product_id`
      const rows = [...products, ...deletions]
      await Promise.all(rows.map((row) => publish(row.product_id)))
      return rows.length
    },
    { timeout: 60_000 },
  )
}

export interface OutboxRelay {
  /** Ask for a pass now, e.g. right after a product was stored. */
  wake(): void
  stop(): Promise<void>
}

export interface OutboxRelayOptions {
  db: Db
  publish: Publish
  log: Logger
  /** How often it drains unwoken, in ms. */
  intervalMs?: number
}

/** Drains the outbox when woken and every `intervalMs`, so it catches up after a broker outage or a crash. */
export function startOutboxRelay({ db, publish, log, intervalMs = 1000 }: OutboxRelayOptions): OutboxRelay {
  let running: Promise<void> | undefined
  let wokenWhileRunning = false
  let stopped = false

  async function drain(): Promise<void> {
    do {
      wokenWhileRunning = false
      try {
        // eslint-disable-next-line no-unmodified-loop-condition -- stop() sets stopped during the await
        while (!stopped && (await relayPending(db, publish)) > 0);
      } catch (err) {
        log.warn({ err }, 'outbox relay could not publish; will retry')
        return
      }
      // eslint-disable-next-line no-unmodified-loop-condition -- stop() sets stopped while a pass awaits
    } while (wokenWhileRunning && !stopped)
  }

  function wake(): void {
    if (stopped) return
    if (running) {
      wokenWhileRunning = true
      return
    }
    running = drain().finally(() => (running = undefined))
  }

  const timer = setInterval(wake, intervalMs)
  wake()
  return {
    wake,
    async stop() {
      stopped = true
      clearInterval(timer)
      await running
    },
  }
}
