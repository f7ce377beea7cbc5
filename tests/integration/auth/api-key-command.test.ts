import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashApiKey } from '../../../src/auth/api-key.ts'
import { runApiKeyCommand } from '../../../src/auth/api-key-command.ts'
import { principalCache } from '../../../src/auth/principal-cache.ts'
import { createTestDatabase, createUser, type TestDatabase } from '../../helpers/database.ts'

const ROOT = path.resolve(import.meta.dirname, '../../..')

describe('npm run apikey:*', () => {
  let database: TestDatabase
  let userId: number

  beforeAll(async () => {
    database = await createTestDatabase()
    userId = await createUser(database.db)
  })
  afterAll(() => database?.drop())

  /** Runs a command in this process, as the npm scripts do: exit code and what it printed. */
  async function run(...argv: string[]) {
    const out: string[] = []
    const err: string[] = []
    const code = await runApiKeyCommand(database.db, argv, {
      print: (line) => out.push(line),
      fail: (line) => err.push(line),
    })
    return { code, out, err: err.join('\n') }
  }

  it('creates a key for a user, printed once, alone on the last line, that authenticates as that user', async () => {
    const { code, out } = await run('create', '--user', String(userId), '--name', 'shop frontend')
    expect(code).toBe(0)
    const key = out.at(-1)!
    expect(key).toMatch(/^pip_[A-Za-z0-9_-]{43}$/)
    expect(out.slice(0, -1).join('\n')).toMatch(new RegExp(`for user ${userId}`))
    const stored = await database.db.apiKey.findFirstOrThrow({ where: { name: 'shop frontend' } })
    expect(Buffer.from(stored.key_hash)).toEqual(Buffer.from(hashApiKey(key)))
    expect(await principalCache(database.db)(key)).toEqual({ keyId: stored.id, admin: false, userId })
  })

  it('creates an admin key', async () => {
    const { code, out } = await run('create', '--admin')
    expect(code).toBe(0)
    expect(await principalCache(database.db)(out.at(-1)!)).toMatchObject({ admin: true })
  })

  it('refuses a key for a user who does not exist, and stores nothing', async () => {
    const before = await database.db.apiKey.count()
    const { code, out, err } = await run('create', '--user', '999999')
    expect(code).toBe(1)
    expect(err).toBe('user 999999 does not exist')
    expect(out).toEqual([])
    expect(await database.db.apiKey.count()).toBe(before)
  })

  it.each([
    [['create'], /either --user <id> or --admin/],
    [['create', '--user', String(1), '--admin'], /either --user <id> or --admin/],
    [['create', '--user', 'abc'], /--user must be a positive integer/],
    [['create', '--owner', '1'], /Unknown option '--owner'/],
    [['revoke'], /the id of one key/],
    [['revoke', '-1'], /./],
    [['rotate'], /unknown command "rotate"/],
    [[], /no command/],
  ])('answers %j with its usage and exit code 2', async (argv, message) => {
    const { code, err } = await run(...argv)
    expect(code).toBe(2)
    expect(err).toMatch(message)
    expect(err).toContain('npm run apikey:create')
  })

  it('lists every key with its owner, name and dates, never its secret or hash', async () => {
    const { out: created } = await run('create', '--user', String(userId), '--name', 'listed')
    const { code, out } = await run('list')
    expect(code).toBe(0)
    expect(out[0]).toMatch(/^id\s+owner\s+name\s+created\s+last used\s+revoked$/)
    const row = out.find((line) => line.includes('listed'))!
    expect(row).toMatch(new RegExp(`^\\d+\\s+user ${userId}\\s+listed\\s+\\d{4}-\\d\\d-\\d\\dT`))
    expect(out.some((line) => line.includes('admin'))).toBe(true)
    const text = out.join('\n')
    expect(text).not.toContain(created.at(-1)!)
    expect(text).not.toContain('pip_')
  })

  it('revokes a key, once; an unknown id is an error', async () => {
    const { out } = await run('create', '--user', String(userId))
    const key = out.at(-1)!
    const { id } = await database.db.apiKey.findFirstOrThrow({ orderBy: { id: 'desc' } })
    expect(await run('revoke', String(id))).toMatchObject({
      code: 0,
      out: [expect.stringMatching(/^Revoked API key \d+/)],
    })
    expect(await run('revoke', String(id))).toMatchObject({ code: 0, out: [`API key ${id} was already revoked.`] })
    expect(await run('revoke', '999999')).toMatchObject({ code: 1, err: 'no API key has id 999999' })
    expect(await principalCache(database.db)(key)).toBeUndefined()
  })

  it('works as an npm script: the key is the last line of standard output', async () => {
    const { stdout } = await promisify(execFile)(
      'npm',
      ['run', 'apikey:create', '--', '--user', String(userId), '--name', 'from npm'],
      {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: database.url },
      },
    )
    const key = stdout.trimEnd().split('\n').at(-1)!
    expect(await principalCache(database.db)(key)).toMatchObject({ admin: false, userId })
  })
})
