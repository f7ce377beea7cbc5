// `npm run db:migrate`: creates the database if missing and applies prisma/migrations offline.
import { loadConfig } from '../config.ts'
import { applyMigrations, ensureDatabase, readMigrations } from './migrate.ts'

const { DATABASE_URL } = loadConfig()
const database = new URL(DATABASE_URL).pathname.slice(1)
if (await ensureDatabase(DATABASE_URL)) console.log(`Created database ${database}`)
const applied = await applyMigrations(DATABASE_URL, await readMigrations(), {
  onWarning: (migration, message) => console.warn(`Warning from ${migration}: ${message}`),
})
console.log(applied.length ? `Applied ${applied.join(', ')}` : `Database ${database} is up to date`)
