import pLimit from 'p-limit'
import type { BrokerAsPromised, Recovery } from 'rascal'
import type { Config } from './config.ts'
import type { Db } from './db/client.ts'
import { createDownloader } from './images/download.ts'
import { processProduct, UnknownProductError, type ImagePipeline } from './images/process-product.ts'
import type { Logger } from './logger.ts'
import { subscribeToProducts } from './queue/subscriber.ts'

export interface WorkerDeps {
  config: Config
  db: Db
  broker: BrokerAsPromised
  recovery: Recovery[]
  log: Logger
}

export interface Worker {
  stop(): Promise<void>
}

/** Consumes product ids and turns each product's images into compressed files. */
export async function startWorker({ config, db, broker, recovery, log }: WorkerDeps): Promise<Worker> {
  const downloader = createDownloader({ maxBytes: config.DOWNLOAD_MAX_BYTES, timeoutMs: config.DOWNLOAD_TIMEOUT_MS })
  const pipeline: ImagePipeline = {
    download: downloader.download,
    compression: { format: config.IMAGE_FORMAT, quality: config.IMAGE_QUALITY, maxSide: config.IMAGE_MAX_SIDE },
    imagesDir: config.IMAGES_DIR,
    limit: pLimit(config.IMAGE_CONCURRENCY),
  }
  const handle = async (productId: number, lastAttempt: boolean) => {
    const started = performance.now()
    const outcome = await processProduct(db, pipeline, productId, lastAttempt)
    log.info({ product_id: productId, outcome, ms: Math.round(performance.now() - started) }, 'product processed')
  }
  const subscription = await subscribeToProducts(broker, recovery, handle, (err) => err instanceof UnknownProductError, log)
  log.info({ imagesDir: config.IMAGES_DIR }, 'worker consuming')
  return {
    async stop() {
      await subscription.cancel()
      await downloader.close()
    },
  }
}
