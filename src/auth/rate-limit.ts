import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Redis } from 'ioredis'

export interface RateLimitOptions {
  /** Requests one API key may make in a window. */
  perWindow: number
  windowMs: number
  /** Where the counters live when they are shared by several API processes; empty: in this process. */
  redisUrl: string
  /** Prefix of the counters' Redis keys. */
  redisNamespace?: string
}

/**
 * @fastify/rate-limit on every route of the scope, counted per API key: it runs as a route hook,
 * after `authenticate` (a scope hook) has found the key. Answers 429 with Retry-After and the
 * x-ratelimit-* headers. If Redis cannot be reached, requests pass unlimited (and it is logged):
 * the limiter's store failing must not take the API down.
 */
async function limitRequests(app: FastifyInstance, { perWindow, windowMs, redisUrl, redisNamespace = 'product-image-pipeline:rate-limit:' }: RateLimitOptions) {
  let redis: Redis | undefined
  if (redisUrl) {
    redis = new Redis(redisUrl, { connectTimeout: 1000, maxRetriesPerRequest: 1, enableOfflineQueue: false })
    redis.on('error', (err) => app.log.warn({ err }, 'rate-limit store unreachable: requests are not limited meanwhile'))
    app.addHook('onClose', async () => void (await redis!.quit().catch(() => redis!.disconnect())))
    // Count from the first request: commands sent before the connection is up would fail (no
    // offline queue) and pass uncounted. An unreachable Redis answers with an error within the
    // connect timeout; ioredis then keeps reconnecting in the background.
    await new Promise<void>((resolve) => {
      redis!.once('ready', resolve)
      redis!.once('error', () => resolve())
    })
  }
  await app.register(rateLimit, {
    max: perWindow,
    timeWindow: windowMs,
    keyGenerator: (request) => `key:${request.principal.keyId}`,
    redis,
    nameSpace: redisNamespace,
    skipOnError: true,
  })
}

export default fp(limitRequests, { name: 'limit-requests' })
