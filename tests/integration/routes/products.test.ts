import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../../src/app.ts'
import { createDb } from '../../../src/db/client.ts'
import { authorizationFor, testSettings } from '../../helpers/api.ts'
import { createTestDatabase, createUser, type TestDatabase } from '../../helpers/database.ts'
import { recordLogs } from '../../helpers/logs.ts'
import { healthChecks } from '../../../src/routes/health.ts'

describe('products routes', () => {
  let database: TestDatabase
  let app: Awaited<ReturnType<typeof buildApp>>
  let userId: number
  let headers: { authorization: string }
  const created: number[] = []

  const validBody = () => ({
    user_id: userId,
    product_name: 'Desk lamp',
    product_description: 'Brass, 40 cm',
    product_images: ['https://images.example/lamp-1.jpg', 'http://images.example/lamp-2.png'],
    product_price: 49.95,
  })
  const post = (payload: unknown) =>
    app.inject({ method: 'POST', url: '/products', headers, payload: payload as object })

  beforeAll(async () => {
    database = await createTestDatabase()
    userId = await createUser(database.db)
    headers = await authorizationFor(database.db, { admin: true })
    app = await buildApp({
      db: database.db,
      onProductCreated: (id) => created.push(id),
      checks: healthChecks(database.db, () => true),
      settings: testSettings(),
    })
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  describe('POST /products', () => {
    it('stores the product and answers 201 with it', async () => {
      const response = await post(validBody())
      expect(response.statusCode).toBe(201)
      const product = response.json()
      expect(product).toMatchObject({
        ...validBody(),
        status: 'pending',
        compressed_product_images: [],
        image_errors: [],
      })
      expect(product.product_id).toBeGreaterThan(0)
      expect(Date.parse(product.created_at)).not.toBeNaN()
      const row = await database.db.product.findUniqueOrThrow({ where: { product_id: product.product_id } })
      expect(row.product_price.toNumber()).toBe(49.95)
      expect(row.queued_at).toBeNull()
      expect(created).toContain(product.product_id)
    })

    it('answers 422 naming an unknown user, and stores nothing', async () => {
      const before = await database.db.product.count()
      const response = await post({ ...validBody(), user_id: 999999 })
      expect(response.statusCode).toBe(422)
      expect(response.json().message).toBe('user_id 999999 does not exist')
      expect(await database.db.product.count()).toBe(before)
    })

    it.each([
      ['a missing field', (b: Record<string, unknown>) => delete b.product_name, /product_name/],
      ['a price that is not a number', (b: Record<string, unknown>) => (b.product_price = 'cheap'), /product_price/],
      ['a negative price', (b: Record<string, unknown>) => (b.product_price = -1), /product_price/],
      ['no images', (b: Record<string, unknown>) => (b.product_images = []), /product_images/],
      [
        'an image that is not a URL',
        (b: Record<string, unknown>) => (b.product_images = ['not a url']),
        /product_images/,
      ],
      [
        'an image URL that is not http',
        (b: Record<string, unknown>) => (b.product_images = ['ftp://x/y.jpg']),
        /product_images/,
      ],
      ['a user id that is not an integer', (b: Record<string, unknown>) => (b.user_id = 1.5), /user_id/],
      [
        'a user id too large for the column',
        (b: Record<string, unknown>) => (b.user_id = 2147483648),
        /user_id must be <= 2147483647/,
      ],
    ])('answers 400 for %s, naming the field', async (_case, mutate, field) => {
      const body = validBody() as Record<string, unknown>
      mutate(body)
      const response = await post(body)
      expect(response.statusCode).toBe(400)
      expect(response.json().message).toMatch(field)
    })

    it.each([
      [
        'too many images',
        (b: Record<string, unknown>) => (b.product_images = Array(11).fill('http://images.example/a.jpg')),
        /product_images must NOT have more than 10 items/,
      ],
      [
        'an image URL over 2048 characters',
        (b: Record<string, unknown>) => (b.product_images = [`http://images.example/${'a'.repeat(2030)}`]),
        /product_images\/0 must NOT have more than 2048 characters/,
      ],
      [
        'an image URL with credentials',
        (b: Record<string, unknown>) => (b.product_images = ['http://user:pw@images.example/a.jpg']),
        /product_images\/0 must not contain credentials/,
      ],
      [
        'an image URL with a control character',
        (b: Record<string, unknown>) => (b.product_images = ['http://images.example/a\u0000.jpg']),
        /product_images\/0 must not contain/,
      ],
      [
        'a javascript: URL',
        (b: Record<string, unknown>) => (b.product_images = ['javascript:alert(1)']),
        /product_images\/0 must use http or https/,
      ],
      [
        'a price with more than two decimals',
        (b: Record<string, unknown>) => (b.product_price = 1.005),
        /product_price must have at most 2 decimal places/,
      ],
      [
        'a price too large for the column',
        (b: Record<string, unknown>) => (b.product_price = 1e10),
        /product_price must be <= 9999999999.99/,
      ],
      ['a blank name', (b: Record<string, unknown>) => (b.product_name = '   '), /product_name must not be blank/],
      [
        'a name with a line break',
        (b: Record<string, unknown>) => (b.product_name = 'Desk\nlamp'),
        /product_name must not contain control characters/,
      ],
      [
        'a description with a NUL byte',
        (b: Record<string, unknown>) => (b.product_description = 'Brass\u0000'),
        /product_description must not contain control characters/,
      ],
      [
        'a description with a lone surrogate',
        (b: Record<string, unknown>) => (b.product_description = 'Brass \ud800'),
        /product_description must not contain/,
      ],
      [
        'a name over 200 characters',
        (b: Record<string, unknown>) => (b.product_name = 'x'.repeat(201)),
        /product_name must NOT have more than 200 characters/,
      ],
    ])('answers 400 for %s, saying what is wrong', async (_case, mutate, message) => {
      const body = validBody() as Record<string, unknown>
      mutate(body)
      const before = await database.db.product.count()
      const response = await post(body)
      expect(response.statusCode).toBe(400)
      expect(response.json().message).toMatch(message)
      expect(await database.db.product.count()).toBe(before)
    })

    it('accepts prices with up to two decimals and multi-line descriptions', async () => {
      for (const price of [0, 0.5, 19.99, 9999999999.99]) {
        const response = await post({
          ...validBody(),
          product_price: price,
          product_description: 'Brass,\n\t40 cm ✓ 🪔',
        })
        expect(response.statusCode).toBe(201)
        expect(response.json()).toMatchObject({ product_price: price, product_description: 'Brass,\n\t40 cm ✓ 🪔' })
      }
    })

    it('takes its limits from the configuration', async () => {
      const limited = await buildApp({
        db: database.db,
        onProductCreated: () => {},
        checks: healthChecks(database.db, () => true),
        settings: { ...testSettings(), maxImages: 2, maxUrlLength: 40, bodyLimit: 2048 },
      })
      try {
        const send = (body: object) => limited.inject({ method: 'POST', url: '/products', headers, payload: body })
        const url = 'http://images.example/a.jpg'
        expect((await send({ ...validBody(), product_images: [url, url] })).statusCode).toBe(201)
        expect((await send({ ...validBody(), product_images: [url, url, url] })).json().message).toMatch(
          /more than 2 items/,
        )
        expect((await send({ ...validBody(), product_images: [`${url}?${'q'.repeat(20)}`] })).json().message).toMatch(
          /more than 40 characters/,
        )
        expect((await send({ ...validBody(), product_description: 'x'.repeat(3000) })).statusCode).toBe(413)
      } finally {
        await limited.close()
      }
    })

    it('answers 400 for a body that is not JSON', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/products',
        headers: { ...headers, 'content-type': 'application/json' },
        payload: '{"user_id":',
      })
      expect(response.statusCode).toBe(400)
    })

    it('answers 413 for an oversized body', async () => {
      const response = await post({ ...validBody(), product_description: 'x'.repeat(100_000) })
      expect(response.statusCode).toBe(413)
    })
  })

  describe('GET /products/:id', () => {
    it('returns every column of the product with its status', async () => {
      const { product_id: productId } = (await post(validBody())).json()
      const response = await app.inject({ method: 'GET', url: `/products/${productId}`, headers })
      expect(response.statusCode).toBe(200)
      expect(Object.keys(response.json()).sort()).toEqual(
        [
          'product_id',
          'user_id',
          'product_name',
          'product_description',
          'product_images',
          'product_price',
          'compressed_product_images',
          'compressed_image_urls',
          'images',
          'status',
          'image_errors',
          'created_at',
          'updated_at',
        ].sort(),
      )
    })

    it('answers 404 for an unknown product', async () => {
      const response = await app.inject({ method: 'GET', url: '/products/987654', headers })
      expect(response.statusCode).toBe(404)
      expect(response.json().message).toBe('product 987654 does not exist')
    })

    it('answers 400 for an id that is not a number', async () => {
      expect((await app.inject({ method: 'GET', url: '/products/abc', headers })).statusCode).toBe(400)
    })
  })

  // int4 columns: product_id, user_id. A larger number must be the client's error, not the database's.
  describe('integer parameters beyond what the columns hold', () => {
    it.each([
      ['GET', '/products?cursor=9999999999', /querystring\/cursor must be at most 2147483647/],
      ['GET', '/products?cursor=2147483648', /querystring\/cursor must be at most 2147483647/],
      ['GET', '/products?cursor=99999999999999999999', /querystring\/cursor must/],
      ['GET', '/products?user_id=2147483648', /querystring\/user_id must be <= 2147483647/],
      ['GET', '/products?limit=2147483648', /querystring\/limit must be <= 100/],
      ['GET', '/products/2147483648', /params\/id must be <= 2147483647/],
      ['GET', '/products/99999999999999999999', /params\/id must be <= 2147483647/],
      ['POST', '/products/2147483648/reprocess', /params\/id must be <= 2147483647/],
    ] as const)('%s %s answers 400 saying so', async (method, url, message) => {
      const response = await app.inject({ method, url, headers })
      expect(response.statusCode, response.body).toBe(400)
      expect(response.json()).toMatchObject({
        statusCode: 400,
        error: 'Bad Request',
        message: expect.stringMatching(message),
      })
    })

    it('takes the largest value the columns hold', async () => {
      expect(
        (await app.inject({ method: 'GET', url: '/products?cursor=2147483647&user_id=2147483647', headers }))
          .statusCode,
      ).toBe(200)
      expect((await app.inject({ method: 'GET', url: '/products/2147483647', headers })).statusCode).toBe(404)
    })
  })

  describe('an unexpected error', () => {
    it('answers 500 saying only that the server failed, with the request id; the details go to the log', async () => {
      const logs = recordLogs()
      const unreachable = createDb('postgresql://postgres@127.0.0.1:1/nowhere', 1)
      const broken = await buildApp(
        {
          db: unreachable,
          onProductCreated: () => {},
          checks: healthChecks(unreachable, () => true),
          settings: testSettings(),
        },
        { loggerInstance: logs.log },
      )
      try {
        const response = await broken.inject({ method: 'GET', url: '/products', headers })
        expect(response.statusCode).toBe(500)
        const body = response.json()
        expect(body).toEqual({
          statusCode: 500,
          error: 'Internal Server Error',
          message: 'internal server error',
          request_id: expect.any(String),
        })
        const logged = logs.lines.find((line) => line.reqId === body.request_id && line.level === 50)
        expect(logged?.err, JSON.stringify(logs.lines)).toMatchObject({
          message: expect.any(String),
          stack: expect.any(String),
        })
      } finally {
        await broken.close()
        await unreachable.$disconnect()
      }
    })
  })

  // Last: it empties the products table.
  describe('GET /products', () => {
    it('pages through products newest first with a cursor, optionally for one user', async () => {
      const users = [userId, await createUser(database.db)]
      await database.db.product.deleteMany()
      for (const [index, owner] of [users[0], users[1], users[0], users[0], users[1]].entries()) {
        expect((await post({ ...validBody(), user_id: owner, product_name: `p${index}` })).statusCode).toBe(201)
      }
      const first = (await app.inject({ method: 'GET', url: '/products?limit=2', headers })).json()
      expect(first.items.map((p: { product_name: string }) => p.product_name)).toEqual(['p4', 'p3'])
      const second = (
        await app.inject({ method: 'GET', url: `/products?limit=2&cursor=${first.next_cursor}`, headers })
      ).json()
      expect(second.items.map((p: { product_name: string }) => p.product_name)).toEqual(['p2', 'p1'])
      const last = (
        await app.inject({ method: 'GET', url: `/products?limit=2&cursor=${second.next_cursor}`, headers })
      ).json()
      expect(last).toMatchObject({ next_cursor: null })
      expect(last.items.map((p: { product_name: string }) => p.product_name)).toEqual(['p0'])

      const mine = (await app.inject({ method: 'GET', url: `/products?user_id=${users[1]}`, headers })).json()
      expect(mine.items.map((p: { product_name: string }) => p.product_name)).toEqual(['p4', 'p1'])
    })

    it('answers 400 for a cursor or limit out of range', async () => {
      expect((await app.inject({ method: 'GET', url: '/products?cursor=abc', headers })).statusCode).toBe(400)
      expect((await app.inject({ method: 'GET', url: '/products?limit=1000', headers })).statusCode).toBe(400)
    })
  })
})
