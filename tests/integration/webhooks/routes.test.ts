import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../../src/app.ts'
import { healthChecks } from '../../../src/routes/health.ts'
import { MAX_ENDPOINTS_PER_USER } from '../../../src/webhooks/schema.ts'
import { authorizationFor, testSettings } from '../../helpers/api.ts'
import { createTestDatabase, createUser, type TestDatabase } from '../../helpers/database.ts'

type App = Awaited<ReturnType<typeof buildApp>>

describe('/webhooks', () => {
  let database: TestDatabase
  let app: App
  let permissive: App // ALLOW_PRIVATE_WEBHOOK_URLS=true
  let owner: number
  let other: number
  let own: Record<string, string>
  let others: Record<string, string>
  let admin: Record<string, string>
  // A public address to the policy; no worker runs here, so nothing ever connects to it.
  const PUBLIC_URL = 'https://8.8.8.8/hooks'

  const build = (env: Record<string, string> = {}) =>
    buildApp({
      db: database.db,
      onProductCreated: () => {},
      checks: healthChecks(database.db, () => true),
      settings: testSettings(env),
    })
  const register = (as: Record<string, string>, payload: object, on = app) =>
    on.inject({ method: 'POST', url: '/webhooks', headers: as, payload })

  beforeAll(async () => {
    database = await createTestDatabase()
    owner = await createUser(database.db)
    other = await createUser(database.db)
    own = await authorizationFor(database.db, { userId: owner })
    others = await authorizationFor(database.db, { userId: other })
    admin = await authorizationFor(database.db, { admin: true })
    app = await build()
    permissive = await build({ ALLOW_PRIVATE_WEBHOOK_URLS: 'true' })
  })
  afterAll(async () => {
    await app?.close()
    await permissive?.close()
    await database?.drop()
  })

  it('registers an endpoint and shows its secret once, in Standard Webhooks form', async () => {
    const created = await register(own, { user_id: owner, url: PUBLIC_URL, description: 'storefront' })
    expect(created.statusCode).toBe(201)
    const body = created.json()
    expect(body).toMatchObject({ user_id: owner, url: PUBLIC_URL, description: 'storefront', enabled: true })
    expect(body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    expect(() => new Webhook(body.secret)).not.toThrow()

    const shown = await app.inject({ method: 'GET', url: `/webhooks/${body.id}`, headers: own })
    expect(shown.statusCode).toBe(200)
    expect(shown.json()).not.toHaveProperty('secret')
    expect(shown.json()).toMatchObject({ id: body.id, attempts: [] })
    const listed = await app.inject({ method: 'GET', url: '/webhooks', headers: own })
    expect(listed.json().items.map((e: { id: number }) => e.id)).toContain(body.id)
    expect(JSON.stringify(listed.json())).not.toContain('whsec_')
  })

  it('refuses a loopback or private URL unless allowed', async () => {
    for (const url of [
      'http://127.0.0.1:8080/hooks',
      'http://[::1]/hooks',
      'http://10.0.0.5/hooks',
      'http://localhost:9/x',
    ]) {
      const refused = await register(own, { user_id: owner, url })
      expect(refused.statusCode, url).toBe(400)
      expect(refused.json().message, url).toMatch(/^body\/url: .* is in a blocked range \((loopback|private)\)$/)
    }
    const metadata = await register(own, { user_id: owner, url: 'http://169.254.169.254/latest' }, permissive)
    expect(metadata.json().message).toContain('cloud metadata')
    const allowed = await register(own, { user_id: owner, url: 'http://127.0.0.1:8080/hooks' }, permissive)
    expect(allowed.statusCode).toBe(201)
  })

  it('refuses what is no http(s) URL, as for images', async () => {
    for (const url of ['ftp://8.8.8.8/x', 'https://user:pass@8.8.8.8/', 'not a url']) {
      const refused = await register(own, { user_id: owner, url })
      expect(refused.statusCode, url).toBe(400)
      expect(refused.json().message, url).toMatch(/^body\/url /)
    }
  })

  it("answers another user's endpoint as a missing one; an admin key reaches any", async () => {
    const { id } = (await register(others, { user_id: other, url: PUBLIC_URL })).json()
    for (const method of ['GET', 'DELETE'] as const) {
      const answer = await app.inject({ method, url: `/webhooks/${id}`, headers: own })
      expect(answer.statusCode, method).toBe(404)
      expect(answer.json().message).toBe(`webhook ${id} does not exist`)
    }
    const listed = await app.inject({ method: 'GET', url: '/webhooks', headers: own })
    expect(listed.json().items.map((e: { id: number }) => e.id)).not.toContain(id)
    expect((await register(own, { user_id: other, url: PUBLIC_URL })).statusCode).toBe(403)

    expect((await app.inject({ method: 'GET', url: `/webhooks/${id}`, headers: admin })).statusCode).toBe(200)
    const forOther = await register(admin, { user_id: other, url: PUBLIC_URL })
    expect(forOther.statusCode).toBe(201)
    expect((await app.inject({ method: 'DELETE', url: `/webhooks/${id}`, headers: admin })).statusCode).toBe(204)
    expect((await app.inject({ method: 'GET', url: `/webhooks/${id}`, headers: admin })).statusCode).toBe(404)
  })

  it('needs an API key', async () => {
    expect((await app.inject({ method: 'GET', url: '/webhooks' })).statusCode).toBe(401)
  })

  it('deletes an endpoint once', async () => {
    const { id } = (await register(own, { user_id: owner, url: PUBLIC_URL })).json()
    expect((await app.inject({ method: 'DELETE', url: `/webhooks/${id}`, headers: own })).statusCode).toBe(204)
    expect((await app.inject({ method: 'DELETE', url: `/webhooks/${id}`, headers: own })).statusCode).toBe(404)
  })

  it('answers 422 for a user that does not exist, and 409 past the endpoints a user may have', async () => {
    const missing = await register(admin, { user_id: 999_999, url: PUBLIC_URL })
    expect(missing.statusCode).toBe(422)
    const user = await createUser(database.db)
    for (let i = 0; i < MAX_ENDPOINTS_PER_USER; i++) {
      expect((await register(admin, { user_id: user, url: PUBLIC_URL })).statusCode).toBe(201)
    }
    const tooMany = await register(admin, { user_id: user, url: PUBLIC_URL })
    expect(tooMany.statusCode).toBe(409)
    expect(tooMany.json().message).toContain(`already has ${MAX_ENDPOINTS_PER_USER} webhooks`)
  })

  it('lists a page at a time', async () => {
    const user = await createUser(database.db)
    const ids: number[] = []
    for (let i = 0; i < 3; i++) ids.push((await register(admin, { user_id: user, url: PUBLIC_URL })).json().id)
    const first = (await app.inject({ method: 'GET', url: `/webhooks?user_id=${user}&limit=2`, headers: admin })).json()
    expect(first.items.map((e: { id: number }) => e.id)).toEqual([ids[2], ids[1]])
    const url = `/webhooks?user_id=${user}&limit=2&cursor=${first.next_cursor}`
    const second = (await app.inject({ method: 'GET', url, headers: admin })).json()
    expect(second).toEqual({ items: [expect.objectContaining({ id: ids[0] })], next_cursor: null })
  })

  describe('the database keeps endpoints and attempts valid', () => {
    const refusal = (sql: string) =>
      database.db.$executeRawUnsafe(sql).then(
        () => 'stored',
        (error: Error) => /violates check constraint "(\w+)"/.exec(error.message)?.[1] ?? error.message,
      )
    const endpoint = (fields: Record<string, string>) => {
      const row = { user_id: String(owner), url: `'${PUBLIC_URL}'`, secret: `'whsec_${'A'.repeat(43)}='`, ...fields }
      return `INSERT INTO webhook_endpoints (${Object.keys(row).join(', ')}) VALUES (${Object.values(row).join(', ')})`
    }

    it('refuses a bad URL or secret', async () => {
      expect(await refusal(endpoint({}))).toBe('stored')
      expect(await refusal(endpoint({ url: `'ftp://x/'` }))).toBe('webhook_endpoints_url_http')
      expect(await refusal(endpoint({ secret: `'hunter2'` }))).toBe('webhook_endpoints_secret_whsec')
      expect(await refusal(endpoint({ description: `E'two\\nlines'` }))).toBe('webhook_endpoints_description_one_line')
    })

    it('refuses an attempt whose result does not match its answer', async () => {
      const { id } = (await register(own, { user_id: owner, url: PUBLIC_URL })).json()
      const attempt = (result: string, status: string, error: string) =>
        `INSERT INTO webhook_attempts
           (endpoint_id, webhook_id, event_type, attempt, result, status_code, error, duration_ms)
         VALUES (${id}, 'w', 'product.done', 1, '${result}', ${status}, ${error}, 5)`
      expect(await refusal(attempt('delivered', '204', 'NULL'))).toBe('stored')
      expect(await refusal(attempt('delivered', '500', 'NULL'))).toBe('webhook_attempts_result_matches')
      expect(await refusal(attempt('failed', '500', 'NULL'))).toBe('webhook_attempts_result_matches')
      expect(await refusal(attempt('gone', '404', `'http_404'`))).toBe('webhook_attempts_result_matches')
      expect(await refusal(attempt('failed', '999', `'http_999'`))).toBe('webhook_attempts_status_code_http')
    })
  })
})
