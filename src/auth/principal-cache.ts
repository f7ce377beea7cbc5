import { LRUCache } from 'lru-cache'
import type { Db } from '../db/client.ts'
import { hashApiKey } from './api-key.ts'
import { usePrincipal } from './key-store.ts'
import type { Principal } from './principal.ts'

/** How long a process trusts a key it looked up: every process refuses a revoked key within this time. */
export const KEY_CACHE_TTL_MS = 5000

/**
 * Finds the principal of a key, asking the database at most once per key and TTL (so a busy key
 * costs no query per request, and its last use is recorded to within the TTL). Unknown keys are
 * not remembered: a key created a moment ago works at once.
 */
export function principalCache(db: Db, ttlMs = KEY_CACHE_TTL_MS): (key: string) => Promise<Principal | undefined> {
  // Keyed by the hash, so the process keeps no key it has seen.
  const cache = new LRUCache<string, Principal>({
    max: 10_000,
    ttl: ttlMs,
    fetchMethod: (keyHash) => usePrincipal(db, Uint8Array.from(Buffer.from(keyHash, 'hex'))),
  })
  return (key) => cache.fetch(Buffer.from(hashApiKey(key)).toString('hex'))
}
