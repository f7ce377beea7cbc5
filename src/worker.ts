import pRetry from 'p-retry'
import sharp from 'sharp'
import type { BrokerAsPromised, Recovery } from 'rascal'
import type { Config } from './config.ts'
import type { Db } from './db/client.ts'
import { isDatabaseUnavailable } from './db/errors.ts'
import { withProductLock } from './db/product-lock.ts'
import { createDownloader, downloadOptions } from './images/download.ts'
import { finishDeletion } from './images/product-deletion.ts'
import { processProduct, UnknownProductError, type Outcome } from './images/process-product.ts'
import { startRetentionSweep } from './images/retention.ts'
import { imagePipeline } from './images/process-image.ts'
import { createImageStore } from './images/storage/index.ts'
import type { Logger } from './logger.ts'
import { subscribeToProducts, type Attempt } from './queue/subscriber.ts'
import { startWebhooks } from './webhooks/index.ts'

export interface WorkerDeps {
  config: Config
  db: Db
  broker: BrokerAsPromised
  recovery: Recovery[]
  log: Logger
}

export interface Worker {
  /** Takes no new messages, lets those in hand finish (or hands them back), then closes. */
  stop(): Promise<void>
}

/** Consumes product ids and turns each product's images into compressed files. */
export async function startWorker({ config, db, broker, recovery, log }: WorkerDeps): Promise<Worker> {
  // libvips' operation cache only helps when the same image is processed again, which a worker
  // never does, and it kept decoded progressive photos alive, raising the worker's memory peak
  // (bench/memory.bench.ts; figures in docs/performance-notes.md).
  sharp.cache(false)
  const downloader = createDownloader(downloadOptions(config))
  const store = await createImageStore(config)
  const pipeline = imagePipeline(config, downloader.download, store)
  const stopping = new AbortController()
  const retention = startRetentionSweep({ db, store, retentionMs: config.IMAGE_RETENTION_HOURS * 3_600_000, log })
  const webhooks = await startWebhooks({ config, db, broker, log })

  // A product's message asks for its stored images to match its row: made, or, once it is deleted, removed.
  const run = async (productId: number, attempt: Attempt): Promise<Outcome> =>
    (await finishDeletion({ db, store, productId }))
      ? 'deleted'
      : processProduct({ db, pipeline, productId, attempt, log })

  // A database outage is no fault of the message: wait for the database (holding the message,
  // unacked, so a crash meanwhile hands it back) rather than spending its retries or dead-lettering it.
  const handle = async (productId: number, attempt: Attempt) => {
    const started = performance.now()
    // Whatever the outcome (a last attempt records the product failed, then throws), a product that has
    // settled is announced to its webhooks before its message is acked; a deleted one announces nothing.
    const outcome = await pRetry(() => withProductLock(db, productId, () => run(productId, attempt)), {
      retries: Infinity,
      minTimeout: 500,
      // Short enough that a stopping worker hands such a message back within a few seconds.
      maxTimeout: 5000,
      randomize: true,
      shouldRetry: ({ error }) => isDatabaseUnavailable(error) && !stopping.signal.aborted,
      onFailedAttempt: ({ error, attemptNumber }) => {
        if (isDatabaseUnavailable(error)) {
          log.warn(
            { product_id: productId, attempt: attemptNumber, err: error },
            'database unavailable; waiting for it',
          )
        }
      },
    }).finally(() => webhooks.announce(productId))
    log.info({ product_id: productId, outcome, ms: Math.round(performance.now() - started) }, 'product processed')
  }
  const isPoison = (err: unknown) => err instanceof UnknownProductError
  const subscription = await subscribeToProducts({
    broker,
    recovery,
    handle,
    isPoison,
    prefetch: config.WORKER_PREFETCH,
    stopping: stopping.signal,
    log,
  })
  log.info({ storage: pipeline.store.description }, 'worker consuming')
  let stopped: Promise<void> | undefined
  const stop = async () => {
    // From here a failure hands its message back to the queue instead of spending a retry.
    stopping.abort()
    await Promise.all([subscription.cancel(), webhooks.stop()])
    await retention.stop()
    await downloader.close()
  }
  // Once: a second call waits for the first instead of closing closed clients.
  return { stop: () => (stopped ??= stop()) }
}
