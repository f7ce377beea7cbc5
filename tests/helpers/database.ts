import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { inject } from 'vitest'
import { loadConfig } from '../../src/config.ts'
import { createDb, type Db } from '../../src/db/client.ts'
import { applyMigrations, ensureDatabase, readMigrations } from '../../src/db/migrate.ts'
import { withProductLock } from '../../src/db/product-lock.ts'

export interface TestDatabase {
  url: string
  db: Db
  drop(): Promise<void>
}

/** A URL for a database of its own on the test server, so test files can run in parallel. */
export function uniqueDatabaseUrl(prefix = 'pip_test'): string {
  const url = new URL(inject('databaseUrl'))
  url.pathname = `/${prefix}_${randomBytes(6).toString('hex')}`
  return url.toString()
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl)
  const name = url.pathname.slice(1)
  url.pathname = '/postgres'
  const admin = new pg.Client({ connectionString: url.toString() })
  await admin.connect()
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`)
  } finally {
    await admin.end()
  }
}

/** A fresh, migrated database and a Prisma client on it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const url = uniqueDatabaseUrl()
  await ensureDatabase(url)
  await applyMigrations(url, await readMigrations())
  // 5 for queries, and one for the lock of each product an in-process worker holds (WORKER_PREFETCH).
  const db = createDb(url, 5 + loadConfig({}).WORKER_PREFETCH)
  return {
    url,
    db,
    async drop() {
      await db.$disconnect()
      await dropDatabase(url)
    },
  }
}

export async function createUser(db: Db): Promise<number> {
  const user = await db.user.create({
    data: { name: 'Test User', mobile: '+10000000000', latitude: 1.5, longitude: 2.5 },
  })
  return user.id
}

/** A product of `userId` with `imageCount` image URLs, stored as POST /products stores one, unprocessed. */
export async function createProduct(db: Db, userId: number, imageCount = 1): Promise<number> {
  const product = await db.product.create({
    data: {
      user_id: userId,
      product_name: 'Chair',
      product_description: '',
      product_images: Array.from({ length: imageCount }, (_, i) => `https://shop.example/${i}.jpg`),
      product_price: 1,
    },
  })
  return product.product_id
}

/** Holds a product's lock as a worker processing it would, until released. Resolves once it is held. */
export async function holdProductLock(db: Db, productId: number): Promise<{ release(): Promise<void> }> {
  let release = () => {}
  let held = () => {}
  const holding = new Promise<void>((resolve) => (held = resolve))
  const lock = withProductLock(db, productId, async () => {
    held()
    await new Promise<void>((resolve) => (release = resolve))
  })
  await holding
  return {
    async release() {
      release()
      await lock
    },
  }
}
