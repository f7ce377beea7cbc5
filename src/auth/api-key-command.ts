// npm run apikey:create -- --user <id> [--name <label>]   a key for one user
// npm run apikey:create -- --admin [--name <label>]       a key for every user
// npm run apikey:list                                     every key, never its secret
// npm run apikey:revoke -- <id>                           refused by every API process within seconds
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { loadConfig } from '../config.ts'
import { createDb, type Db } from '../db/client.ts'
import { KEY_CACHE_TTL_MS } from './principal-cache.ts'
import { createApiKey, listApiKeys, revokeApiKey, UnknownUserError } from './key-store.ts'

export const USAGE = `usage:
  npm run apikey:create -- --user <id> [--name <label>]
  npm run apikey:create -- --admin [--name <label>]
  npm run apikey:list
  npm run apikey:revoke -- <id>`

class UsageError extends Error {}
class UnknownKeyError extends Error {}

const positiveInteger = (value: string | undefined, what: string): number => {
  if (!/^[1-9][0-9]{0,9}$/.test(value ?? '') || Number(value) > 2147483647) {
    throw new UsageError(`${what} must be a positive integer, got ${JSON.stringify(value ?? '')}`)
  }
  return Number(value)
}

const when = (date: Date | null) => date?.toISOString() ?? '-'

async function create(db: Db, args: string[], print: (line: string) => void): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { user: { type: 'string' }, admin: { type: 'boolean' }, name: { type: 'string', default: '' } },
  })
  if ((values.user === undefined) === (values.admin !== true)) {
    throw new UsageError('give either --user <id> or --admin')
  }
  const owner = values.admin ? ({ admin: true } as const) : { userId: positiveInteger(values.user, '--user') }
  const { id, key } = await createApiKey(db, owner, values.name)
  print(
    `Created API key ${id} for ${values.admin ? 'every user (admin)' : `user ${values.user}`}. ` +
      'It is shown this once; only its hash is stored:',
  )
  // Alone on the last line, for scripts: KEY=$(npm run -s apikey:create -- --user 1 | tail -n 1)
  print(key)
}

async function list(db: Db, print: (line: string) => void): Promise<void> {
  const rows = (await listApiKeys(db)).map((key) => [
    String(key.id),
    key.admin ? 'admin' : `user ${key.user_id}`,
    key.name || '-',
    when(key.created_at),
    when(key.last_used_at),
    when(key.revoked_at),
  ])
  const table = [['id', 'owner', 'name', 'created', 'last used', 'revoked'], ...rows]
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)))
  for (const row of table) {
    print(
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
  }
}

async function revoke(db: Db, args: string[], print: (line: string) => void): Promise<void> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} })
  if (positionals.length !== 1) throw new UsageError('give the id of one key')
  const id = positiveInteger(positionals[0], 'the key id')
  const outcome = await revokeApiKey(db, id)
  if (outcome === 'unknown') throw new UnknownKeyError(`no API key has id ${id}`)
  print(
    outcome === 'revoked'
      ? `Revoked API key ${id}: every API process refuses it within ${KEY_CACHE_TTL_MS / 1000} s.`
      : `API key ${id} was already revoked.`,
  )
}

/** Where a command writes: its output, and its error messages. */
export interface CommandOutput {
  print?: (line: string) => void
  fail?: (line: string) => void
}

/** Runs one command; returns the exit code: 0 done, 1 refused (unknown user or key), 2 bad usage. */
export async function runApiKeyCommand(
  db: Db,
  argv: string[],
  { print = console.log, fail = console.error }: CommandOutput = {},
): Promise<number> {
  const [command, ...args] = argv
  try {
    if (command === 'create') await create(db, args, print)
    else if (command === 'list') await list(db, print)
    else if (command === 'revoke') await revoke(db, args, print)
    else throw new UsageError(command ? `unknown command ${JSON.stringify(command)}` : 'no command')
    return 0
  } catch (error) {
    if (error instanceof UnknownUserError || error instanceof UnknownKeyError) return (fail(error.message), 1)
    // parseArgs throws TypeErrors with an ERR_PARSE_ARGS_* code for unknown or malformed options.
    if (error instanceof UsageError || String((error as { code?: string }).code).startsWith('ERR_PARSE_ARGS')) {
      return (fail(`${(error as Error).message}\n${USAGE}`), 2)
    }
    throw error
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const db = createDb(loadConfig().DATABASE_URL, 1)
  try {
    process.exitCode = await runApiKeyCommand(db, process.argv.slice(2))
  } finally {
    await db.$disconnect()
  }
}
