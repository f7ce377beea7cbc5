import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { applyMigrations, checksumOf, ensureDatabase } from '../../../src/db/migrate.ts'
import { dropDatabase, uniqueDatabaseUrl } from '../../helpers/database.ts'

const migration = (name: string, sql: string) => ({ name, sql, checksum: checksumOf(sql) })

async function query<T extends pg.QueryResultRow>(databaseUrl: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    return (await client.query<T>(sql)).rows
  } finally {
    await client.end()
  }
}

describe('ensureDatabase', () => {
  const url = uniqueDatabaseUrl()
  afterEach(() => dropDatabase(url))

  it('creates a missing database once', async () => {
    expect(await ensureDatabase(url)).toBe(true)
    expect(await ensureDatabase(url)).toBe(false)
    expect(await query(url, 'SELECT 1 AS one')).toEqual([{ one: 1 }])
  })
})

describe('applyMigrations', () => {
  const url = uniqueDatabaseUrl()
  afterEach(() => dropDatabase(url))

  const first = migration('20260101000000_first', 'CREATE TABLE a (id int);')
  const broken = migration('20260102000000_broken', 'CREATE TABLE b (id int);\nCREATE TABLE oops (;')

  it('leaves neither half a migration nor a failed record when one fails', async () => {
    await ensureDatabase(url)
    await expect(applyMigrations(url, [first, broken])).rejects.toThrow(/20260102000000_broken failed/)
    const tables = await query<{ table_name: string }>(
      url,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
    )
    expect(tables.map((t) => t.table_name)).toEqual(['_prisma_migrations', 'a'])
    const history = await query<{ migration_name: string }>(url, 'SELECT migration_name FROM _prisma_migrations')
    expect(history).toEqual([{ migration_name: first.name }])
  })

  it("hands over a migration's warnings, not its notices", async () => {
    await ensureDatabase(url)
    const warns = migration(
      '20260104000000_warns',
      `DO $$ BEGIN RAISE NOTICE 'just so you know'; RAISE WARNING 'rows kept as they are'; END $$;`,
    )
    const warnings: [string, string][] = []
    await applyMigrations(url, [first, warns], { onWarning: (name, message) => warnings.push([name, message]) })
    expect(warnings).toEqual([[warns.name, 'rows kept as they are']])
  })

  it('serializes concurrent runs: each migration is applied once', async () => {
    await ensureDatabase(url)
    const second = migration('20260103000000_second', 'CREATE TABLE c (id int);')
    const runs = await Promise.all([applyMigrations(url, [first, second]), applyMigrations(url, [first, second])])
    expect(runs.flat().sort()).toEqual([first.name, second.name])
  })
})
