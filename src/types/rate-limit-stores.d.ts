// @fastify/rate-limit's own stores (its store/ files) ship no types: the part fallback-store.ts uses.
declare module '@fastify/rate-limit/store/LocalStore.js' {
  export interface Count {
    current: number
    /** Milliseconds until the window ends. */
    ttl: number
  }
  export type CountCallback = (error: Error | null, count?: Count) => void
  /** What @fastify/rate-limit asks of a store: count (`incr`), peek (`read`), and a store per route. */
  export interface Store {
    incr(key: string, callback: CountCallback, timeWindow: number, max: number): void
    read(key: string, callback: CountCallback, timeWindow: number, max: number): void
    child(routeOptions: object): Store
  }
  export default class LocalStore implements Store {
    constructor(continueExceeding: boolean, exponentialBackoff: boolean, cache?: number)
    incr: Store['incr']
    read: Store['read']
    child: Store['child']
  }
}

declare module '@fastify/rate-limit/store/RedisStore.js' {
  import type { Redis } from 'ioredis'
  import type { Store } from '@fastify/rate-limit/store/LocalStore.js'
  export default class RedisStore implements Store {
    constructor(continueExceeding: boolean, exponentialBackoff: boolean, redis: Redis, key?: string)
    incr: Store['incr']
    read: Store['read']
    child: Store['child']
  }
}
