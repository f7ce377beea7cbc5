// npm run images:gc               lists the stored files that no product names (a dry run)
// npm run images:gc -- --delete   and removes them
// Safe while workers run: see findOrphans. Local disk or S3, as STORAGE says.
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { loadConfig } from '../config.ts'
import { createDb, type Db } from '../db/client.ts'
import type { CommandOutput } from '../auth/api-key-command.ts'
import { findOrphans } from './orphans.ts'
import type { ImageStore } from './storage/image-store.ts'

export const USAGE = 'usage: npm run images:gc [-- --delete]'

/** Runs the command; returns the exit code: 0 done, 2 bad usage. */
export async function runGcCommand(
  { db, store }: { db: Db; store: ImageStore },
  argv: string[],
  { print = console.log, fail = console.error }: CommandOutput = {},
): Promise<number> {
  let remove: boolean
  try {
    remove = parseArgs({ args: argv, options: { delete: { type: 'boolean', default: false } } }).values.delete
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`)
    return 2
  }
  const { orphans, skipped } = await findOrphans({ db, store, remove })
  for (const keys of orphans.values()) for (const key of keys) print(key)
  const count = [...orphans.values()].reduce((sum, keys) => sum + keys.length, 0)
  const where = `${count} orphaned files in ${orphans.size} products in ${store.description}`
  print(remove ? `Removed ${where}.` : `Found ${where}; nothing removed (dry run): --delete removes them.`)
  if (skipped.length > 0) {
    print(`Skipped products being processed, to look at again later: ${skipped.join(', ')}.`)
  }
  return 0
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const config = loadConfig()
  const db = createDb(config.DATABASE_URL, 2)
  const { createImageStore } = await import('./storage/index.ts')
  try {
    process.exitCode = await runGcCommand({ db, store: await createImageStore(config) }, process.argv.slice(2))
  } finally {
    await db.$disconnect()
  }
}
