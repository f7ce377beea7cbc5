import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../../src/app.ts'
import { createApiKey, revokeApiKey } from '../../../src/auth/key-store.ts'
import { generateApiKey } from '../../../src/auth/api-key.ts'
import { testSettings } from '../../helpers/api.ts'
import { createTestDatabase, createUser, type TestDatabase } from '../../helpers/database.ts'
import { healthChecks } from '../../../src/routes/health.ts'

type App = Awaited<ReturnType<typeof buildApp>>

describe('who may do what on /products', () => {
  let database: TestDatabase
  let app: App
  const queued: number[] = []
  let owner: number // the user whose key is "own"
  let other: number
  let ownProduct: number
  let othersProduct: number
  const headers: Record<string, string | undefined> = {}

  const product = (userId: number) => ({
    user_id: userId,
    product_name: 'Desk lamp',
    product_description: 'Brass',
    product_images: ['https://images.example/lamp.jpg'],
    product_price: 10,
  })

  beforeAll(async () => {
    database = await createTestDatabase()
    owner = await createUser(database.db)
    other = await createUser(database.db)
    ownProduct = (await database.db.product.create({ data: product(owner) })).product_id
    othersProduct = (await database.db.product.create({ data: product(other) })).product_id
    const key = async (o: Parameters<typeof createApiKey>[1]) => `Bearer ${(await createApiKey(database.db, o)).key}`
    const revoked = await createApiKey(database.db, { userId: owner })
    await revokeApiKey(database.db, revoked.id)
    Object.assign(headers, {
      'no header': undefined,
      '"Bearer" alone': 'Bearer',
      garbage: 'Bearer !!not-a-key!!',
      'another scheme': `Basic ${Buffer.from(`${owner}:secret`).toString('base64')}`,
      'an unknown key': `Bearer ${generateApiKey()}`,
      'a revoked key': `Bearer ${revoked.key}`,
      "another user's key": await key({ userId: other }),
      'its own key': await key({ userId: owner }),
      'an admin key': await key({ admin: true }),
    })
    app = await buildApp({
      db: database.db,
      onProductCreated: (id) => queued.push(id),
      checks: healthChecks(database.db, () => true),
      settings: testSettings(),
    })
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  const send = (who: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) => {
    const authorization = headers[who]
    return app.inject({ method, url, payload, headers: authorization === undefined ? {} : { authorization } })
  }
  const refused = ['no header', '"Bearer" alone', 'garbage', 'another scheme', 'an unknown key', 'a revoked key']

  describe('POST /products for the owner', () => {
    it.each([
      ...refused.map((who) => [who, 401] as const),
      ["another user's key", 403],
      ['its own key', 201],
      ['an admin key', 201],
    ] as const)('with %s answers %i, and stores and queues only what it accepts', async (who, status) => {
      const before = await database.db.product.count()
      const queuedBefore = queued.length
      const response = await send(who, 'POST', '/products', product(owner))
      expect(response.statusCode).toBe(status)
      expect(await database.db.product.count()).toBe(before + (status === 201 ? 1 : 0))
      expect(queued.length).toBe(queuedBefore + (status === 201 ? 1 : 0))
      if (status === 201) expect(response.json().user_id).toBe(owner)
      else expect(response.json()).toMatchObject({ statusCode: status, message: expect.any(String) })
      if (status === 401) expect(response.headers['www-authenticate']).toMatch(/^Bearer/)
      if (status === 403) expect(response.json().message).toMatch(/belongs to another user/)
    })

    it('an admin key creates products for any user', async () => {
      expect((await send('an admin key', 'POST', '/products', product(other))).json().user_id).toBe(other)
    })
  })

  describe("GET /products/:id of the owner's product", () => {
    it.each([
      ...refused.map((who) => [who, 401] as const),
      ["another user's key", 404],
      ['its own key', 200],
      ['an admin key', 200],
    ] as const)('with %s answers %i', async (who, status) => {
      const response = await send(who, 'GET', `/products/${ownProduct}`)
      expect(response.statusCode).toBe(status)
      if (status === 200) expect(response.json().product_id).toBe(ownProduct)
    })

    it("answers another user's product exactly as one that does not exist", async () => {
      const hidden = await send('its own key', 'GET', `/products/${othersProduct}`)
      const missing = await send('its own key', 'GET', '/products/2147483647')
      expect(hidden.statusCode).toBe(404)
      expect(hidden.json()).toEqual({ ...missing.json(), message: `product ${othersProduct} does not exist` })
    })
  })

  describe("PATCH and DELETE /products/:id of the owner's product", () => {
    it.each([
      ...refused.map((who) => [who, 401] as const),
      ["another user's key", 404],
      ['its own key', 200],
      ['an admin key', 200],
    ] as const)('PATCH with %s answers %i, and changes only what it accepts', async (who, status) => {
      const name = `Lamp changed with ${who}`
      const response = await send(who, 'PATCH', `/products/${ownProduct}`, { product_name: name })
      expect(response.statusCode).toBe(status)
      const row = await database.db.product.findUniqueOrThrow({ where: { product_id: ownProduct } })
      expect(row.product_name === name).toBe(status === 200)
    })

    it.each([
      ...refused.map((who) => [who, 401] as const),
      ["another user's key", 404],
      ['its own key', 204],
      ['an admin key', 204],
    ] as const)('DELETE with %s answers %i, and deletes only what it may', async (who, status) => {
      const { product_id: id } = await database.db.product.create({ data: product(owner) })
      const response = await send(who, 'DELETE', `/products/${id}`)
      expect(response.statusCode).toBe(status)
      expect(await database.db.product.count({ where: { product_id: id } })).toBe(status === 204 ? 0 : 1)
      expect(await database.db.productDeletion.count({ where: { product_id: id } })).toBe(status === 204 ? 1 : 0)
    })
  })

  describe('GET /products', () => {
    const listed = async (who: string, query = '') => {
      const response = await send(who, 'GET', `/products?limit=100${query}`)
      expect(response.statusCode).toBe(200)
      return new Set(response.json().items.map((p: { user_id: number }) => p.user_id))
    }

    it.each(refused)('with %s answers 401', async (who) => {
      expect((await send(who, 'GET', '/products')).statusCode).toBe(401)
    })

    it("shows a user's key only its own user's products, whatever user_id it asks for", async () => {
      expect(await listed('its own key')).toEqual(new Set([owner]))
      expect(await listed("another user's key")).toEqual(new Set([other]))
      expect(await listed('its own key', `&user_id=${other}`)).toEqual(new Set())
    })

    it("shows an admin key every user's products, or one user's", async () => {
      expect(await listed('an admin key')).toEqual(new Set([owner, other]))
      expect(await listed('an admin key', `&user_id=${other}`)).toEqual(new Set([other]))
    })
  })

  it('never answers a 5xx, whatever the Authorization header holds (fast-check)', { timeout: 60_000 }, async () => {
    const validKey = headers['its own key']!.slice('Bearer '.length)
    // What Node lets a header carry: tab, and printable Latin-1 but DEL.
    const headerChar = fc
      .oneof(fc.constant(9), fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff }))
      .map((c) => String.fromCharCode(c))
    const header = fc.oneof(
      fc.string({ unit: headerChar, maxLength: 200 }),
      fc
        .tuple(
          fc.constantFrom('Bearer ', 'bearer ', 'BEARER ', 'Bearer', 'Basic ', 'Token ', ' Bearer ', 'Bearer\t'),
          fc.string({ unit: headerChar, maxLength: 80 }),
        )
        .map(([a, b]) => a + b),
      // A valid key with one character changed, cut short or lengthened.
      fc
        .tuple(fc.nat(validKey.length - 1), headerChar, fc.constantFrom('replace', 'cut', 'extend'))
        .map(([at, c, how]) => {
          const changed = {
            replace: validKey.slice(0, at) + c + validKey.slice(at + 1),
            cut: validKey.slice(0, at),
            extend: validKey + c,
          }
          return `Bearer ${changed[how]}`
        }),
    )
    await fc.assert(
      fc.asyncProperty(header, async (authorization) => {
        const response = await app.inject({ method: 'GET', url: `/products/${ownProduct}`, headers: { authorization } })
        expect(response.statusCode, authorization).toBeLessThan(500)
        if (authorization !== headers['its own key'] && response.statusCode !== 200) {
          expect(response.statusCode).toBe(401)
          expect(response.json().message).toEqual(expect.any(String))
        }
      }),
      { numRuns: 500, plugins: [fc.interruptAfterTimeLimit(30_000)] },
    )
  })

  describe('rate limits', () => {
    let limited: App
    beforeAll(async () => {
      const settings = testSettings({ RATE_LIMIT_PER_MINUTE: '3' })
      limited = await buildApp({
        db: database.db,
        onProductCreated: () => {},
        checks: healthChecks(database.db, () => true),
        settings: { ...settings, access: { ...settings.access, windowMs: 1000 } },
      })
    })
    afterAll(() => limited?.close())

    const get = (who: string) =>
      limited.inject({ method: 'GET', url: '/products', headers: { authorization: headers[who]! } })

    it("past a key's limit: 429 with Retry-After and x-ratelimit-*; in again after the window", async () => {
      for (let n = 3; n > 0; n--) {
        const response = await get('its own key')
        expect(response.statusCode).toBe(200)
        expect(response.headers['x-ratelimit-limit']).toBe('3')
        expect(response.headers['x-ratelimit-remaining']).toBe(String(n - 1))
      }
      const refusedResponse = await get('its own key')
      expect(refusedResponse.statusCode).toBe(429)
      expect(refusedResponse.headers['x-ratelimit-remaining']).toBe('0')
      expect(refusedResponse.json()).toMatchObject({ statusCode: 429, message: expect.stringMatching(/rate limit/i) })
      const retryAfter = Number(refusedResponse.headers['retry-after'])
      expect(retryAfter).toBeGreaterThan(0)

      // Each key has its own count.
      expect((await get('an admin key')).statusCode).toBe(200)

      await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000))
      expect((await get('its own key')).statusCode).toBe(200)
    })
  })
})
