import { createHash } from 'node:crypto'
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'

import pg from 'pg'
import { describe, expect, inject, it } from 'vitest'

import {
  createTemporaryDatabase,
  deployMigrations,
  migrationHistoryStatus,
  migrationsDiff,
  migrationsDir,
  readMigrationList,
} from '../../../prisma/schema-engine.ts'
import { applyMigrations, readMigrations } from '../../../src/db/migrate.ts'

// The server the test setup chose; each test makes and drops its own database on it.
const serverUrl = inject('databaseUrl') ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

describe('prisma/migrations', () => {
  it('build exactly the schema in prisma/schema.prisma', async () => {
    const sql = await migrationsDiff(serverUrl)
    expect(
      sql,
      `prisma/schema.prisma and prisma/migrations disagree: run \`tsx prisma/new-migration.ts <name>\` to ` +
        `add:\n\n${sql}`,
    ).toBe('')
  })

  it("apply with Prisma's engine and leave the history that `prisma migrate status` expects", async () => {
    const database = await createTemporaryDatabase(serverUrl, 'pip_test')
    try {
      const names = (await readMigrationList()).migrationDirectories.map((migration) => migration.path)
      expect(names.length).toBeGreaterThan(0)
      expect(await migrationHistoryStatus(database.url)).toMatchObject({ upToDate: false, pending: names })

      expect(await deployMigrations(database.url)).toEqual(names)
      expect(await migrationHistoryStatus(database.url)).toEqual({
        upToDate: true,
        hasMigrationsTable: true,
        pending: [],
        missingLocally: [],
        failed: [],
        edited: [],
      })
      expect(await deployMigrations(database.url)).toEqual([])

      // What our own runner (src/db/migrate.ts) must record to agree with Prisma.
      const client = new pg.Client({ connectionString: database.url })
      await client.connect()
      const { rows } = await client
        .query<{ migration_name: string; checksum: string; applied_steps_count: number; finished_at: Date | null }>(
          'SELECT migration_name, checksum, applied_steps_count, finished_at FROM _prisma_migrations ORDER BY ' +
            'migration_name',
        )
        .finally(() => client.end())
      for (const [index, row] of rows.entries()) {
        expect(row.migration_name).toBe(names[index])
        expect(row.checksum).toBe(sha256(await readFile(path.join(migrationsDir, row.migration_name, 'migration.sql'))))
        expect(row.applied_steps_count).toBe(1)
        expect(row.finished_at).toBeInstanceOf(Date)
      }
    } finally {
      await database.drop()
    }
  })

  it("apply with the service's own runner and leave a history Prisma reads as up to date", async () => {
    const database = await createTemporaryDatabase(serverUrl, 'pip_test')
    try {
      const names = (await readMigrations()).map((migration) => migration.name)
      expect(await applyMigrations(database.url, await readMigrations())).toEqual(names)
      expect(await migrationHistoryStatus(database.url)).toMatchObject({ upToDate: true, hasMigrationsTable: true })
      expect(await applyMigrations(database.url, await readMigrations())).toEqual([])
    } finally {
      await database.drop()
    }
  })

  it('report failed and edited migrations', async () => {
    const database = await createTemporaryDatabase(serverUrl, 'pip_test')
    const dir = await mkdtemp(path.join(tmpdir(), 'pip-migrations-'))
    try {
      await cp(migrationsDir, dir, { recursive: true })
      const [first] = (await readMigrationList(dir)).migrationDirectories
      const broken = '99991231235959_broken'
      await mkdir(path.join(dir, broken))
      await writeFile(path.join(dir, broken, 'migration.sql'), 'CREATE TABLE broken (;\n')
      await expect(deployMigrations(database.url, dir)).rejects.toThrow(/syntax error/)
      await writeFile(path.join(dir, first!.path, 'migration.sql'), '-- edited\n', { flag: 'a' })
      expect(await migrationHistoryStatus(database.url, dir)).toMatchObject({
        upToDate: false,
        failed: [broken],
        edited: [first!.path],
      })
    } finally {
      await rm(dir, { recursive: true, force: true })
      await database.drop()
    }
  })
})
