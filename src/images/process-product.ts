import type { LimitFunction } from 'p-limit'
import type { Db } from '../db/client.ts'
import { imageBytesIn, imageBytesOut, imageSeconds, imagesProcessed } from '../metrics.ts'
import { compress, extensionOf, type CompressOptions } from './compress.ts'
import { PermanentImageError, type ImageFailure } from './errors.ts'
import { imageKey, type ImageStore } from './storage/image-store.ts'

export interface ImagePipeline {
  download(url: string): Promise<Buffer>
  compression: CompressOptions
  store: ImageStore
  /** Shared by all products of a worker: bounds the images in flight, hence CPU and memory. */
  limit: LimitFunction
}

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
  paths: string[]
  failures: ImageFailure[]
  /** A transient error to retry on, unless this was the last attempt. */
  transient?: Error
}

/** Paths in source order (failed images leave no gap-filler), and a reason for each failure. */
export function summarize(urls: string[], results: PromiseSettledResult<string>[]): Summary {
  const summary: Summary = { paths: [], failures: [] }
  results.forEach((result, index) => {
    if (result.status === 'fulfilled') return void summary.paths.push(result.value)
    const error = result.reason as Error
    const code = error instanceof PermanentImageError ? error.code : 'unavailable'
    summary.failures.push({ index, url: urls[index]!, code, message: error.message })
    if (!(error instanceof PermanentImageError)) summary.transient ??= error
  })
  return summary
}

/** An image already stored under its deterministic key was stored whole (atomically): resuming skips it. */
export async function processImage(pipeline: ImagePipeline, productId: number, url: string, index: number): Promise<string> {
  const { store } = pipeline
  const key = imageKey(productId, index, extensionOf(pipeline.compression.format))
  if (await store.exists(key)) return store.locationOf(key)
  const timer = imageSeconds.startTimer()
  try {
    const original = await pipeline.download(url)
    imageBytesIn.inc(original.length)
    const { data } = await compress(original, pipeline.compression)
    await store.put(key, data)
    imageBytesOut.inc(data.length)
    imagesProcessed.inc({ result: 'stored', reason: '' })
    return store.locationOf(key)
  } catch (error) {
    imagesProcessed.inc({ result: 'failed', reason: error instanceof PermanentImageError ? error.code : 'transient' })
    throw error
  } finally {
    timer()
  }
}

/**
 * One product, start to end. Safe to run again, or twice at once, for the same product: images
 * already stored are kept, the path list is replaced (never appended to), and `done` is final.
 */
export async function processProduct(db: Db, pipeline: ImagePipeline, productId: number, lastAttempt = false): Promise<Outcome> {
  const product = await db.product.findUnique({ where: { product_id: productId } })
  if (!product) throw new UnknownProductError(productId)
  if (product.status === 'done') return 'already_done'
  const unfinished = { product_id: productId, status: { not: 'done' as const } }
  await db.product.updateMany({ where: unfinished, data: { status: 'processing' } })
  await pipeline.store.removeUnfinished(productId)

  const urls = product.product_images
  const results = await Promise.allSettled(urls.map((url, index) => pipeline.limit(() => processImage(pipeline, productId, url, index))))
  const { paths, failures, transient } = summarize(urls, results)
  if (transient && !lastAttempt) throw transient

  const status = failures.length > 0 ? 'failed' : 'done'
  await db.product.updateMany({
    where: unfinished,
    data: { compressed_product_images: paths, image_errors: failures as object[], status },
  })
  if (transient) throw new RetriesExhaustedError(`product ${productId}: gave up after the last attempt: ${transient.message}`, { cause: transient })
  return status
}
