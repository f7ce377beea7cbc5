import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Redis } from 'ioredis'
import { redisOrLocalStore, watchRedis } from './fallback-store.ts'

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
 * x-ratelimit-* headers. With `redisUrl` the counts are in Redis, shared by the API processes;
 * while Redis cannot be reached each process counts on its own (logged, and counted in a metric):
 * the limiter's store failing neither takes the API down nor lifts the limits.
 */
async function limitRequests(
  app: FastifyInstance,
  { perWindow, windowMs, redisUrl, redisNamespace = 'product-image-pipeline:rate-limit:' }: RateLimitOptions,
) {
  await app.register(rateLimit, {
    max: perWindow,
    timeWindow: windowMs,
    keyGenerator: (request) => `key:${request.principal.keyId}`,
    store: redisUrl ? await connectStore(app, redisUrl, redisNamespace) : undefined,
  })
}

/** A store counting in Redis at `redisUrl`, or in this process while Redis is down. */
async function connectStore(app: FastifyInstance, redisUrl: string, nameSpace: string) {
  const redis = new Redis(redisUrl, { connectTimeout: 1000, maxRetriesPerRequest: 1, enableOfflineQueue: false })
  const watch = watchRedis(redis, app.log)
  app.addHook('onClose', async () => {
    await redis.quit().catch(() => redis.disconnect())
  })
  // Count in Redis from the first request if it is there: until the connection is up, counts are
  // made in this process. An unreachable Redis answers with an error within the connect timeout;
  // ioredis then keeps reconnecting in the background.
  await new Promise<void>((resolve) => {
    redis.once('ready', resolve)
    redis.once('error', () => resolve())
  })
  return redisOrLocalStore(redis, nameSpace, watch)
}

export default fp(limitRequests, { name: 'limit-requests' })
