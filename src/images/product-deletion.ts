import type { Db } from '../db/client.ts'
import { productDeletionsFinished } from '../metrics.ts'
import type { ImageStore } from './storage/image-store.ts'

export interface DeletionRun {
  db: Db
  store: ImageStore
  productId: number
}

/**
 * Finishes a product's deletion, if it was deleted: removes every file it ever had (main files,
 * variants, originals, files under earlier settings' names and leftovers of interrupted writes: its
 * whole folder or prefix) and marks the deletion done. The worker runs it under the product's lock,
 * so a worker that was processing the product has finished first, and its files go too. Safe to run
 * again: a second run finds nothing more to remove. False when the product was never deleted.
 */
export async function finishDeletion({ db, store, productId }: DeletionRun): Promise<boolean> {
  const deletion = await db.productDeletion.findUnique({ where: { product_id: productId } })
  if (!deletion) return false
  await store.removeProduct(productId)
  const marked = await db.$executeRaw`
    UPDATE product_deletions SET files_removed_at = now()
    WHERE product_id = ${productId} AND files_removed_at IS NULL`
  if (marked > 0) productDeletionsFinished.inc()
  return true
}
