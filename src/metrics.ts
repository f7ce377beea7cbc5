import { Counter, Gauge, Histogram } from 'prom-client'

// Process-wide, in prom-client's global registry: the API and the worker record into the same
// metrics whether they run in one process or two; GET /metrics serves them.

export const productsCreated = new Counter({
  name: 'products_created_total',
  help: 'Products stored by POST /products',
})

export const rateLimitFallbacks = new Counter({
  name: 'rate_limit_store_fallbacks_total',
  help:
    'Rate-limit counts made in this process because RATE_LIMIT_REDIS_URL could not be reached ' +
    '(each process then limits on its own)',
})

export const imagesProcessed = new Counter({
  name: 'images_processed_total',
  help: 'Images processed, by result (stored, kept as it was, failed) and failure reason',
  labelNames: ['result', 'reason'] as const,
})

export const imageSeconds = new Histogram({
  name: 'image_processing_seconds',
  help: 'Time to download, compress and store one image, its waits for a free IMAGE_CONCURRENCY slot included',
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
})

export const imageBytesIn = new Counter({ name: 'image_bytes_in_total', help: 'Bytes of images downloaded' })
export const imageBytesOut = new Counter({ name: 'image_bytes_out_total', help: 'Bytes of compressed images written' })

export const supersededFilesRemoved = new Counter({
  name: 'superseded_files_removed_total',
  help: 'Stored files removed once their product stopped naming them and IMAGE_RETENTION_HOURS passed',
})
export const productDeletionsFinished = new Counter({
  name: 'product_deletions_finished_total',
  help: 'Deleted products whose files a worker removed',
})

export const messagesRetried = new Counter({
  name: 'messages_retried_total',
  help: 'Messages sent to the retry wait queue',
})
export const messagesDeadLettered = new Counter({
  name: 'messages_dead_lettered_total',
  help: 'Messages sent to the dead-letter queue, by reason',
  labelNames: ['reason'] as const,
})

let countBacklog: (() => Promise<number>) | undefined
export const outboxBacklog = new Gauge({
  name: 'outbox_backlog',
  help: 'Stored, changed or deleted products whose message RabbitMQ has not yet confirmed',
  async collect() {
    if (countBacklog) this.set(await countBacklog())
  },
})

/** Where the outbox backlog gauge reads from (set by the process that runs the relay). */
export function measureOutboxBacklog(count: () => Promise<number>): void {
  countBacklog = count
}

export const webhookDeliveries = new Counter({
  name: 'webhook_deliveries_total',
  help:
    'Webhook delivery attempts, by result: delivered (2xx), failed (tried again later), gave_up (the last ' +
    'attempt failed: dead-lettered), gone (410: the endpoint is disabled), blocked (the address policy refused ' +
    'the URL: dead-lettered), skipped (the endpoint was deleted or disabled meanwhile: nothing sent)',
  labelNames: ['result'] as const,
})
