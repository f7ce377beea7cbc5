import type { Db } from '../db/client.ts'
import { withProductLockIfFree } from '../db/product-lock.ts'
import { namedKeys, type NamedFiles } from './image-record.ts'
import { keysByProduct } from './storage/image-keys.ts'
import type { ImageStore } from './storage/image-store.ts'

export interface ProductFiles {
  /** The product's row, or null when it has none (deleted, or never committed). */
  product: (NamedFiles & { status: string }) | null
  /** Files already recorded as superseded: their retention removes them, in its own time. */
  superseded: ReadonlySet<string>
}

/**
 * The stored files of one product that nothing names: not the product (main files, variants,
 * originals), not the retention of superseded files. Undefined while the product is queued or
 * being processed: its files are in flux, so none is judged.
 */
export function orphansAmong(keys: string[], { product, superseded }: ProductFiles): string[] | undefined {
  if (product && (product.status === 'pending' || product.status === 'processing')) return undefined
  const named = product ? namedKeys(product) : new Set<string>()
  return keys.filter((key) => !named.has(key) && !superseded.has(key))
}

export interface OrphanReport {
  /** Orphans by product. */
  orphans: Map<number, string[]>
  /** Products left alone: being processed, or held by a worker. */
  skipped: number[]
}

export interface FindOrphansOptions {
  db: Db
  store: ImageStore
  /** Remove the orphans as well as finding them. */
  remove: boolean
}

/**
 * Walks the store, product by product. Each product is judged (and its orphans removed) under its
 * lock, taken only if free: no worker writes a product's files without it, so a file being written
 * is never taken for an orphan; a product held or in flux is skipped and said so.
 */
export async function findOrphans({ db, store, remove }: FindOrphansOptions): Promise<OrphanReport> {
  const stored: string[] = []
  for await (const key of store.list()) stored.push(key)
  const report: OrphanReport = { orphans: new Map(), skipped: [] }
  for (const [productId, keys] of keysByProduct(stored)) {
    const orphans = await withProductLockIfFree(db, productId, async () => {
      const [product, superseded] = await Promise.all([
        db.product.findUnique({ where: { product_id: productId } }),
        db.supersededImage.findMany({ where: { product_id: productId }, select: { key: true } }),
      ])
      const found = orphansAmong(keys, { product, superseded: new Set(superseded.map((row) => row.key)) })
      if (found && remove) await store.remove(found)
      return found
    })
    if (orphans === undefined) report.skipped.push(productId)
    else if (orphans.length > 0) report.orphans.set(productId, orphans)
  }
  return report
}
