import type { Db } from '../db/client.ts'
import { PermanentImageError, type ImageFailure } from './errors.ts'
import { imageRecords, type ImageRecord } from './image-record.ts'
import { processImage, type ImagePipeline } from './process-image.ts'

/** Thrown for a message that names no product: retrying cannot help. */
export class UnknownProductError extends Error {
  constructor(readonly productId: number) {
    super(`product ${productId} does not exist`)
  }
}

/** Thrown after the last attempt once its failures are recorded, so the message is dead-lettered too. */
export class RetriesExhaustedError extends Error {}

export type Outcome = 'done' | 'failed' | 'already_done'

export interface Summary {
  /** The stored images in source order (failed ones leave no gap-filler). */
  records: ImageRecord[]
  failures: ImageFailure[]
  /** A transient error to retry on, unless this was the last attempt. */
  transient?: Error
}

/** The stored images in source order, and a reason for each failure. */
export function summarize(urls: string[], results: PromiseSettledResult<ImageRecord>[]): Summary {
  const summary: Summary = { records: [], failures: [] }
  results.forEach((result, index) => {
    if (result.status === 'fulfilled') return void summary.records.push(result.value)
    const error = result.reason as Error
    const code = error instanceof PermanentImageError ? error.code : 'unavailable'
    summary.failures.push({ index, url: urls[index]!, code, message: error.message })
    if (!(error instanceof PermanentImageError)) summary.transient ??= error
  })
  return summary
}

/**
 * One product, start to end. Safe to run again for the same product: images already stored
 * under the current settings are kept, the lists are replaced (never appended to), and `done` is
 * final until the product is reprocessed. The worker holds the product's lock around it
 * (db/product-lock.ts), so two workers never run it at once.
 */
export async function processProduct(db: Db, pipeline: ImagePipeline, productId: number, lastAttempt = false): Promise<Outcome> {
  const product = await db.product.findUnique({ where: { product_id: productId } })
  if (!product) throw new UnknownProductError(productId)
  if (product.status === 'done') return 'already_done'
  const unfinished = { product_id: productId, status: { not: 'done' as const } }
  await db.product.updateMany({ where: unfinished, data: { status: 'processing' } })
  await pipeline.store.removeUnfinished(productId)

  const urls = product.product_images
  const previous = new Map(imageRecords(product.images).map((record) => [record.index, record]))
  const results = await Promise.allSettled(
    urls.map((url, index) => processImage(pipeline, productId, url, index, previous.get(index))),
  )
  const { records, failures, transient } = summarize(urls, results)
  if (transient && !lastAttempt) throw transient

  const status = failures.length > 0 ? 'failed' : 'done'
  await db.product.updateMany({
    where: unfinished,
    data: { compressed_product_images: records.map((record) => record.path), images: records, image_errors: failures as object[], status },
  })
  if (transient) throw new RetriesExhaustedError(`product ${productId}: gave up after the last attempt: ${transient.message}`, { cause: transient })
  return status
}
