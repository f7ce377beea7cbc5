import { describe, expect, it } from 'vitest'
import { checksumOf, pendingMigrations, readMigrations } from '../../../src/db/migrate.ts'

const migration = (name: string, sql = `-- ${name}`) => ({ name, sql, checksum: checksumOf(sql) })
const applied = (m: { name: string; checksum: string }, finished: Date | null = new Date()) => ({
  migration_name: m.name,
  checksum: m.checksum,
  finished_at: finished,
})

describe('checksumOf', () => {
  it('is the sha256 of the file, as Prisma records it', () => {
    expect(checksumOf('SELECT 1;\n')).toBe('b4e0497804e46e0a0b0b8c31975b062152d551bac49c3c2e80932567b4085dcd')
  })
})

describe('pendingMigrations', () => {
  const [a, b, c] = [migration('20260101000000_a'), migration('20260102000000_b'), migration('20260103000000_c')]

  it('returns everything on an empty history', () => {
    expect(pendingMigrations([a, b], [])).toEqual([a, b])
  })

  it('returns only what is not applied yet, in order', () => {
    expect(pendingMigrations([a, b, c], [applied(a)])).toEqual([b, c])
    expect(pendingMigrations([a, b], [applied(a), applied(b)])).toEqual([])
  })

  it('refuses a history with a failed migration', () => {
    expect(() => pendingMigrations([a, b], [applied(a, null)])).toThrow(/failed/)
  })

  it('refuses an edited migration', () => {
    expect(() => pendingMigrations([a], [{ ...applied(a), checksum: 'other' }])).toThrow(/edited/)
  })

  it('refuses a history that knows a migration this checkout lacks', () => {
    expect(() => pendingMigrations([a], [applied(a), applied(b)])).toThrow(/missing/)
  })
})

describe('readMigrations', () => {
  it('reads prisma/migrations in name order', async () => {
    const migrations = await readMigrations()
    expect(migrations.length).toBeGreaterThan(0)
    expect(migrations.map((m) => m.name)).toEqual(migrations.map((m) => m.name).sort())
    for (const m of migrations) expect(m.checksum).toBe(checksumOf(m.sql))
  })
})
