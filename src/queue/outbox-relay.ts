import type { Logger } from 'pino'
import type { Db } from '../db/client.ts'

export type Publish = (productId: number) => Promise<void>

/**
 * Publishes products not yet confirmed by the broker and marks them queued, in one transaction.
 * SKIP LOCKED lets several API processes relay side by side without publishing the same rows;
 * a crash before the commit only means the rows are published again, which the worker tolerates.
 */
export async function relayPending(db: Db, publish: Publish, batchSize = 100): Promise<number> {
  return db.$transaction(
    async (tx) => {
      const rows = await tx.$queryRaw<{ product_id: number }[]>`
        SELECT product_id FROM products WHERE queued_at IS NULL
        ORDER BY product_id LIMIT ${batchSize} FOR UPDATE SKIP LOCKED`
      const ids = rows.map((row) => row.product_id)
      if (ids.length === 0) return 0
      await Promise.all(ids.map(publish))
      await tx.product.updateMany({ where: { product_id: { in: ids } }, data: { queued_at: new Date() } })
      return ids.length
    },
    { timeout: 60_000 },
  )
}

export interface OutboxRelay {
  /** Ask for a pass now, e.g. right after a product was stored. */
  wake(): void
  stop(): Promise<void>
}

/** Drains the outbox when woken and every `intervalMs`, so it catches up after a broker outage or a crash. */
export function startOutboxRelay(db: Db, publish: Publish, log: Logger, intervalMs = 1000): OutboxRelay {
  let running: Promise<void> | undefined
  let wokenWhileRunning = false
  let stopped = false

  async function drain(): Promise<void> {
    do {
      wokenWhileRunning = false
      try {
        while (!stopped && (await relayPending(db, publish)) > 0);
      } catch (err) {
        log.warn({ err }, 'outbox relay could not publish; will retry')
        return
      }
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
