import { Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { Db } from '../db/client.ts'
import type { Logger } from '../logger.ts'
import type { Attempt } from '../queue/subscriber.ts'
import {
  failureMessage,
  ImageTimeoutError,
  PermanentImageError,
  type FailureCode,
  type ImageFailure,
} from './errors.ts'
import { imageRecords, type ImageRecord } from './image-record.ts'
import { processImage, type ImagePipeline } from './process-image.ts'
import { recordSuperseded, supersededBy } from './retention.ts'

/** Thrown for a message that names no product: retrying cannot help. */
export class UnknownProductError extends Error {
  constructor(readonly productId: number) {
    super(`product ${productId} does not exist`)
  }
}

/** Thrown after the last attempt once its failures are recorded, so the message is dead-lettered too. */
export class RetriesExhaustedError extends Error {}

export type Outcome = 'done' | 'failed' | 'already_done' | 'deleted'

export interface Summary {
  /** The stored images in source order (failed ones leave no gap-filler). */
  records: ImageRecord[]
  failures: ImageFailure[]
  /** A transient error to retry on, unless this was the last attempt. */
  transient?: Error
}

/** The failure's code; whether retrying may help. */
function classify(error: unknown, timedOutBefore: boolean): { code: FailureCode; transient: boolean } {
  if (error instanceof PermanentImageError) return { code: error.code, transient: false }
  // A host too slow on two attempts in a row is failed, rather than holding its product through every retry.
  if (error instanceof ImageTimeoutError) return { code: 'timeout', transient: !timedOutBefore }
  return { code: 'unavailable', transient: true }
}

/**
 * The stored images in source order, and a reason for each failure: its code and a sentence that
 * names no network detail. `timedOutBefore`: the images that timed out on this product's last attempt.
 */
export function summarize(
  urls: string[],
  results: PromiseSettledResult<ImageRecord>[],
  timedOutBefore: ReadonlySet<number> = new Set(),
): Summary {
  const summary: Summary = { records: [], failures: [] }
  results.forEach((result, index) => {
    if (result.status === 'fulfilled') {
      summary.records.push(result.value)
      return
    }
    const { code, transient } = classify(result.reason, timedOutBefore.has(index))
    summary.failures.push({ index, url: urls[index]!, code, message: failureMessage(code) })
    if (transient) summary.transient ??= result.reason as Error
  })
  return summary
}

const RecordedFailure = Type.Object({ index: Type.Integer(), code: Type.String() })

/** The images whose recorded failure is a timeout (the column may hold anything someone typed). */
export const timedOutIn = (imageErrors: unknown): Set<number> =>
  new Set(
    Array.isArray(imageErrors)
      ? imageErrors.filter((e) => Value.Check(RecordedFailure, e) && e.code === 'timeout').map((e) => e.index as number)
      : [],
  )

export interface ProductRun {
  db: Db
  pipeline: ImagePipeline
  productId: number
  /** Which delivery of the product's message this is. */
  attempt?: Attempt
  log: Logger
}

/**
 * One product, start to end. Safe to run again for the same product: images already stored
 * under the current settings are kept, the lists are replaced (never appended to), and `done` is
 * final until the product is reprocessed. The worker holds the product's lock around it
 * (db/product-lock.ts), so two workers never run it at once. Before a retry, the failures so far
 * are recorded (the product stays `processing`), so that the retry knows which images timed out.
 */
export async function processProduct({
  db,
  pipeline,
  productId,
  attempt = { retry: false, last: false },
  log,
}: ProductRun): Promise<Outcome> {
  const product = await db.product.findUnique({ where: { product_id: productId } })
  if (!product) throw new UnknownProductError(productId)
  if (product.status === 'done') return 'already_done'
  const unfinished = { product_id: productId, status: { not: 'done' as const } }
  await db.product.updateMany({ where: unfinished, data: { status: 'processing' } })
  await pipeline.store.removeUnfinished(productId)

  const urls = product.product_images
  const previous = new Map(imageRecords(product.images).map((record) => [record.index, record]))
  const results = await Promise.allSettled(
    urls.map((url, index) => processImage(pipeline, { productId, url, index, previous: previous.get(index) })),
  )
  results.forEach((result, index) => {
    // The details (addresses, ports, the network's own words) go to the log only.
    if (result.status === 'rejected') {
      log.warn({ product_id: productId, index, url: urls[index], err: result.reason }, 'image failed')
    }
  })
  const { records, failures, transient } = summarize(
    urls,
    results,
    attempt.retry ? timedOutIn(product.image_errors) : new Set(),
  )
  if (transient && !attempt.last) {
    await db.product.updateMany({ where: unfinished, data: { image_errors: failures as object[] } })
    throw transient
  }

  const status = failures.length > 0 ? 'failed' : 'done'
  const named = { compressed_product_images: records.map((record) => record.path), images: records }
  // Files the product named and no longer does (earlier settings' names) are kept a while longer.
  const superseded = supersededBy(product, named)
  await db.$transaction([
    db.product.updateMany({ where: unfinished, data: { ...named, image_errors: failures as object[], status } }),
    ...(superseded.length > 0 ? [recordSuperseded(db, productId, superseded)] : []),
  ])
  if (transient) {
    throw new RetriesExhaustedError(`product ${productId}: gave up after the last attempt: ${transient.message}`, {
      cause: transient,
    })
  }
  return status
}
