// Creates the next migration offline, as `prisma migrate dev --create-only --name <name>` would:
//   tsx prisma/new-migration.ts <name>
// The SQL is Prisma's own diff from what prisma/migrations build to prisma/schema.prisma.
// DATABASE_URL only names the server that hosts the temporary shadow database; no database is changed.
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'

import { migrationLockContent, migrationsDiff, migrationsDir } from './schema-engine.ts'

const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'

// Same shape as the CLI's names: lower snake case, no separators at the ends.
const name = (process.argv[2] ?? '')
  .toLowerCase()
  .replace(/[^a-z0-9]+/g, '_')
  .replace(/^_+|_+$/g, '')
if (!name) {
  console.error('usage: tsx prisma/new-migration.ts <name>')
  process.exit(1)
}

const sql = await migrationsDiff(databaseUrl)
if (!sql) {
  console.error('prisma/schema.prisma and prisma/migrations already agree: no migration written.')
  process.exit(1)
}

// yyyyMMddHHmmss in UTC, like the engine's generated names.
const timestamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14)
const dir = path.join(migrationsDir, `${timestamp}_${name}`)
await mkdir(dir, { recursive: true })
await writeFile(path.join(dir, 'migration.sql'), sql)
const lockfile = path.join(migrationsDir, 'migration_lock.toml')
if (!existsSync(lockfile)) await writeFile(lockfile, migrationLockContent)
console.log(`wrote ${path.relative(process.cwd(), path.join(dir, 'migration.sql'))}\n\n${sql}`)
