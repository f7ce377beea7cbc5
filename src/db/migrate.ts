import { createHash, randomUUID } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import pg from 'pg'

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../prisma/migrations')

// Same key as Prisma's own migrate, so our runner and `prisma migrate deploy` never overlap.
const PRISMA_ADVISORY_LOCK = 72707369

// The table exactly as Prisma creates it, so `prisma migrate status` on a connected machine agrees.
const CREATE_HISTORY_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`

export interface Migration {
  name: string
  sql: string
  checksum: string
}

export const checksumOf = (sql: string): string => createHash('sha256').update(sql).digest('hex')

/** Prisma's layout: one folder per migration, applied in name (timestamp) order. */
export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, 'migration.sql'), 'utf8')
      return { name, sql, checksum: checksumOf(sql) }
    }),
  )
}

/** Creates the database named in the URL when the server does not have it yet. */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl)
  const name = decodeURIComponent(url.pathname.slice(1))
  url.pathname = '/postgres'
  const admin = new pg.Client({ connectionString: url.toString() })
  await admin.connect()
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    if (rowCount) return false
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`)
    return true
  } catch (error) {
    if ((error as { code?: string }).code === '42P04') return false // created meanwhile by another process
    throw error
  } finally {
    await admin.end()
  }
}

export interface ApplyOptions {
  /** A migration's warnings (RAISE WARNING), e.g. existing rows that a new constraint could not validate. */
  onWarning?: (migration: string, message: string) => void
}

/**
 * Applies pending migrations, each in its own transaction with its history row, so a failed
 * migration leaves neither half a schema nor a failed record behind. Returns the names applied.
 */
export async function applyMigrations(
  databaseUrl: string,
  migrations: Migration[],
  { onWarning }: ApplyOptions = {},
): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl })
  let running: string | undefined
  // SQLSTATE class 01 is a warning; plain notices (class 00, e.g. "already exists, skipping") are not.
  client.on('notice', (notice) => {
    if (running && notice.code?.startsWith('01')) onWarning?.(running, notice.message ?? String(notice))
  })
  await client.connect()
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK])
    await client.query(CREATE_HISTORY_TABLE)
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
    )
    const pending = pendingMigrations(migrations, rows)
    for (const migration of pending) {
      running = migration.name
      await client.query('BEGIN')
      try {
        await client.query(migration.sql)
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), now(), 1)`,
          [randomUUID(), migration.checksum, migration.name],
        )
        await client.query('COMMIT')
      } catch (error) {
        await client.query('ROLLBACK')
        throw new Error(`Migration ${migration.name} failed: ${(error as Error).message}`, { cause: error })
      }
    }
    return pending.map((m) => m.name)
  } finally {
    await client.end() // ending the session releases the advisory lock
  }
}

/** Which migrations still need to run; refuses a history that Prisma itself would refuse. */
export function pendingMigrations(
  migrations: Migration[],
  applied: { migration_name: string; checksum: string; finished_at: Date | null }[],
): Migration[] {
  const failed = applied.find((row) => row.finished_at === null)
  if (failed) throw new Error(`Migration ${failed.migration_name} failed earlier; resolve it before migrating again`)
  const known = new Map(migrations.map((m) => [m.name, m]))
  for (const row of applied) {
    const local = known.get(row.migration_name)
    if (!local) throw new Error(`Migration ${row.migration_name} is applied but missing from prisma/migrations`)
    if (local.checksum !== row.checksum) {
      throw new Error(`Migration ${row.migration_name} was edited after it was applied`)
    }
  }
  const done = new Set(applied.map((row) => row.migration_name))
  return migrations.filter((m) => !done.has(m.name))
}
