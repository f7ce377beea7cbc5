import type { Logger } from 'pino'
import type { Db } from '../db/client.ts'
import { withProductLockIfFree } from '../db/product-lock.ts'
import { supersededFilesRemoved } from '../metrics.ts'
import { namedKeys, type NamedFiles } from './image-record.ts'
import { isStoredKey, keysByProduct, productOfKey } from './storage/image-keys.ts'
import type { ImageStore } from './storage/image-store.ts'

/** The files a product named before and no longer names: superseded, not yet removed. */
export const supersededBy = (before: NamedFiles, after: NamedFiles): string[] => {
  const kept = namedKeys(after)
  return [...namedKeys(before)].filter((key) => !kept.has(key))
}

/**
 * Records superseded files in the same transaction as the product change that supersedes them.
 * Nothing is recorded for a product that is gone: its deletion removes every file anyway.
 */
export function recordSuperseded(db: Pick<Db, '$executeRaw'>, productId: number, keys: string[]) {
  // Only keys of ours in the product's folder: a path typed into the row by hand names nothing to remove.
  const ours = keys.filter((key) => isStoredKey(key) && productOfKey(key) === productId)
  return db.$executeRaw`
    INSERT INTO superseded_images (product_id, key)
    SELECT product_id, unnest(${ours}::text[]) FROM products WHERE product_id = ${productId}
    ON CONFLICT DO NOTHING`
}

export interface RetentionOptions {
  db: Db
  store: ImageStore
  /** IMAGE_RETENTION_HOURS, in ms. */
  retentionMs: number
  log: Logger
  /** Rows looked at in one pass. */
  batchSize?: number
}

/**
 * Removes the superseded files whose retention has passed, and forgets them. Each product's files
 * are removed under its lock, and only those it still does not name: a worker may have made one
 * current again (settings changed back) and the sweep never races a worker writing. A product
 * whose lock is held is left for the next pass. Returns how many rows it settled.
 */
export async function removeSupersededFiles({
  db,
  store,
  retentionMs,
  log,
  batchSize = 500,
}: RetentionOptions): Promise<number> {
  const due = await db.supersededImage.findMany({
    where: { superseded_at: { lte: new Date(Date.now() - retentionMs) } },
    orderBy: { superseded_at: 'asc' },
    take: batchSize,
  })
  let settled = 0
  // A row's key names its product's folder (a check constraint holds it to product_id).
  for (const [productId, keys] of keysByProduct(due.map((row) => row.key))) {
    const done = await withProductLockIfFree(db, productId, async () => {
      const product = await db.product.findUnique({ where: { product_id: productId } })
      const named = product ? namedKeys(product) : new Set<string>()
      // A row typed by hand may name a file that is not ours: it is forgotten, never removed.
      const unnamed = keys.filter((key) => !named.has(key) && isStoredKey(key))
      await store.remove(unnamed)
      await db.supersededImage.deleteMany({ where: { product_id: productId, key: { in: keys } } })
      supersededFilesRemoved.inc(unnamed.length)
      return true
    })
    if (done) settled += keys.length
  }
  if (settled > 0) log.info({ files: settled }, 'superseded files removed')
  return settled
}

export interface RetentionSweep {
  stop(): Promise<void>
}

/**
 * Runs removeSupersededFiles ten times per retention period, at most once a second and at least
 * once a minute, until stopped. A failed pass (the database or the store down) is logged and
 * tried again on the next.
 */
export function startRetentionSweep(options: RetentionOptions): RetentionSweep {
  const intervalMs = Math.min(60_000, Math.max(1000, options.retentionMs / 10))
  let running: Promise<unknown> | undefined
  const pass = () => {
    running ??= removeSupersededFiles(options)
      .catch((err: unknown) => options.log.warn({ err }, 'could not remove superseded files; will retry'))
      .finally(() => (running = undefined))
  }
  const timer = setInterval(pass, intervalMs)
  return {
    async stop() {
      clearInterval(timer)
      await running
    },
  }
}
