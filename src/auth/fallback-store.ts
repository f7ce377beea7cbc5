import LocalStore, { type Store } from '@fastify/rate-limit/store/LocalStore.js'
import RedisStore from '@fastify/rate-limit/store/RedisStore.js'
import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'
import { rateLimitFallbacks } from '../metrics.ts'

/** Whether Redis can count now, and what to do when a count is made in this process instead. */
export interface RedisWatch {
  isUp(): boolean
  countedLocally(error?: unknown): void
}

type CountArgs = Parameters<Store['incr']>

/** Counts in `shared` while Redis is up, in `local` while it is not (or when a command fails). */
class FallbackStore implements Store {
  constructor(
    private readonly stores: { shared: Store; local: Store },
    private readonly watch: RedisWatch,
  ) {}

  incr(...args: CountArgs) {
    this.count('incr', args)
  }

  read(...args: CountArgs) {
    this.count('read', args)
  }

  child(routeOptions: object): Store {
    const { shared, local } = this.stores
    return new FallbackStore({ shared: shared.child(routeOptions), local: local.child(routeOptions) }, this.watch)
  }

  private count(method: 'incr' | 'read', [key, callback, timeWindow, max]: CountArgs) {
    const locally = (error?: unknown) => {
      this.watch.countedLocally(error)
      this.stores.local[method](key, callback, timeWindow, max)
    }
    if (!this.watch.isUp()) return locally()
    this.stores.shared[method](key, (error, count) => (error ? locally(error) : callback(null, count)), timeWindow, max)
  }
}

/** Of the options @fastify/rate-limit constructs a store with, those its own stores use. */
interface StoreParams {
  continueExceeding?: boolean
  exponentialBackoff?: boolean
  cache?: number
}

/**
 * A `store` for @fastify/rate-limit: its Redis store while Redis is up, its in-process store while
 * it is not, so that a Redis outage leaves each process limiting on its own instead of not at all.
 */
export function redisOrLocalStore(redis: Redis, nameSpace: string, watch: RedisWatch) {
  return class extends FallbackStore {
    constructor({ continueExceeding = false, exponentialBackoff = false, cache }: StoreParams) {
      const shared = new RedisStore(continueExceeding, exponentialBackoff, redis, nameSpace)
      super({ shared, local: new LocalStore(continueExceeding, exponentialBackoff, cache) }, watch)
    }
  }
}

/**
 * Follows the connection: logs an outage once when it starts (the first connection error or
 * in-process count) and once when Redis is ready again, and counts each in-process count in
 * `rate_limit_store_fallbacks_total`. ioredis reconnects by itself meanwhile.
 */
export function watchRedis(redis: Redis, log: FastifyBaseLogger): RedisWatch {
  let down = false
  const wentDown = (err?: unknown) => {
    if (down) return
    down = true
    log.warn({ err }, 'rate-limit store unreachable: each API process counts on its own until it is back')
  }
  redis.on('error', wentDown)
  redis.on('ready', () => {
    if (!down) return
    down = false
    log.info('rate-limit store reachable again: the counts are shared again')
  })
  return {
    isUp: () => redis.status === 'ready',
    countedLocally(error) {
      wentDown(error)
      rateLimitFallbacks.inc()
    },
  }
}
