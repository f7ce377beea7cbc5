import type { Db } from './client.ts'

// Far longer than any product takes (ten images, each bounded by the download timeouts): the
// transaction that holds the lock must not end under running work.
const HOLD_AT_MOST_MS = 60 * 60 * 1000

/**
 * Runs `work` while holding the product's lock, so two workers never process the same product at
 * once (a message published twice, or redelivered while its first delivery still runs): the second
 * waits, then finds the product done. The lock is a PostgreSQL advisory lock held by an open
 * transaction, so it goes away with a crashed worker's connection. `work` itself uses other
 * connections; the pool must have one more than the products a worker takes at once.
 */
export function withProductLock<T>(db: Db, productId: number, work: () => Promise<T>): Promise<T> {
  return db.$transaction(
    async (tx) => {
      // Keyed by the products table's oid, so no other use of advisory locks can collide with ours.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock('products'::regclass::oid::int, ${productId}::int)`
      return work()
    },
    { timeout: HOLD_AT_MOST_MS, maxWait: 10_000 },
  )
}

/**
 * Runs `work` under the product's lock if no one holds it now, else answers undefined at once: for
 * housekeeping (superseded files, orphans) that must never touch a product a worker is processing,
 * and can come back to it later.
 */
export function withProductLockIfFree<T>(db: Db, productId: number, work: () => Promise<T>): Promise<T | undefined> {
  return db.$transaction(
    async (tx) => {
      const [{ locked }] = await tx.$queryRaw<[{ locked: boolean }]>`
        SELECT pg_try_advisory_xact_lock('products'::regclass::oid::int, ${productId}::int) AS locked`
      return locked ? work() : undefined
    },
    { timeout: HOLD_AT_MOST_MS, maxWait: 10_000 },
  )
}
