import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../../src/app.ts'
import type { Product } from '../../../src/generated/prisma/client.ts'
import { authorizationFor, testSettings } from '../../helpers/api.ts'
import { createTestDatabase, createUser, type TestDatabase } from '../../helpers/database.ts'
import { healthChecks } from '../../../src/routes/health.ts'

// The rules of a stored product, written out again here (not imported) as the test's oracle.
const codePoints = (s: string) => [...s].length
const cleanLine = (s: string) => !/[\p{Cc}\p{Cs}]/u.test(s) && /\S/u.test(s)
const cleanText = (s: string) => !/[^\P{Cc}\t\n\r]|\p{Cs}/u.test(s)
function cleanUrl(s: string): boolean {
  if (s.length > 2048 || /[\s\p{Cc}\p{Cs}]/u.test(s) || !URL.canParse(s)) return false
  const url = new URL(s)
  return ['http:', 'https:'].includes(url.protocol) && url.username === '' && url.password === ''
}
function isValidProduct(row: Product, userId: number): boolean {
  const price = row.product_price.toNumber()
  return (
    row.user_id === userId &&
    codePoints(row.product_name) >= 1 &&
    codePoints(row.product_name) <= 200 &&
    cleanLine(row.product_name) &&
    codePoints(row.product_description) <= 5000 &&
    cleanText(row.product_description) &&
    row.product_images.length >= 1 &&
    row.product_images.length <= 10 &&
    row.product_images.every(cleanUrl) &&
    price >= 0 &&
    price <= 9999999999.99 &&
    row.product_price.decimalPlaces() <= 2 &&
    row.status === 'pending'
  )
}

// Characters that have broken services before: NUL, lone surrogates, controls, RTL override, separators.
const nastyChar = fc.oneof(
  fc.constantFrom(
    '\u0000',
    '\ud800',
    '\udfff',
    '\u0007',
    '\u001b',
    '\u007f',
    '\n',
    '\r',
    '\t',
    ' ',
    '\u00a0',
    '\u202e',
    '\u2028',
    '\ufeff',
    '%',
    '"',
    "'",
    '\\',
  ),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
)
const nastyString = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: nastyChar, maxLength: 40 }) },
  fc.constantFrom(
    '',
    '   ',
    '🪔'.repeat(150),
    'x'.repeat(201),
    'x'.repeat(5001),
    '{{7*7}}',
    "'; DROP TABLE products; --",
  ),
)
const nastyUrl = fc.oneof(
  fc.webUrl({
    authoritySettings: { withIPv4: true, withIPv6: true, withIPv4Extended: true, withUserInfo: true, withPort: true },
    withQueryParameters: true,
    withFragments: true,
  }),
  fc.tuple(fc.webUrl(), nastyString).map(([url, tail]) => url + tail),
  fc.constantFrom(
    'javascript:alert(1)',
    'file:///etc/passwd',
    'http://',
    'http://[::1',
    'http://999.1.1.1/',
    'HTTP://A.EXAMPLE/x.jpg',
    `http://a.example/${'a'.repeat(2100)}`,
  ),
  nastyString,
)
const nastyNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(
    -0,
    0.005,
    1.005,
    0.1 + 0.2,
    1e-7,
    9999999999.99,
    9999999999.995,
    1e10,
    1e21,
    Number.MAX_SAFE_INTEGER,
    2147483648,
    -1,
  ),
)
const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 2 }), nastyString, nastyNumber)

type Field = 'user_id' | 'product_name' | 'product_description' | 'product_images' | 'product_price' | 'extra'
const hostile: Record<Field, fc.Arbitrary<unknown>> = {
  user_id: fc.oneof(nastyNumber, anyValue),
  product_name: fc.oneof({ weight: 3, arbitrary: nastyString }, anyValue),
  product_description: fc.oneof({ weight: 3, arbitrary: nastyString }, anyValue),
  product_images: fc.oneof({ weight: 3, arbitrary: fc.array(nastyUrl, { maxLength: 12 }) }, anyValue),
  product_price: fc.oneof(nastyNumber, anyValue),
  extra: anyValue,
}

describe('POST /products against random and mutated bodies (fast-check)', () => {
  let database: TestDatabase
  let app: Awaited<ReturnType<typeof buildApp>>
  let userId: number
  let authorization: string

  beforeAll(async () => {
    database = await createTestDatabase()
    userId = await createUser(database.db)
    ;({ authorization } = await authorizationFor(database.db, { userId }))
    app = await buildApp({
      db: database.db,
      onProductCreated: () => {},
      checks: healthChecks(database.db, () => true),
      settings: testSettings(),
    })
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  const validBody = () => ({
    user_id: userId,
    product_name: 'Desk lamp',
    product_description: 'Brass, 40 cm',
    product_images: ['https://images.example/lamp.jpg'],
    product_price: 49.95,
  })

  /** Sends one body and checks the invariants: no 5xx, and a 201 only for a product that is valid as stored. */
  async function check(payload: string, contentType = 'application/json'): Promise<number> {
    const before = await database.db.product.count()
    const response = await app.inject({
      method: 'POST',
      url: '/products',
      headers: { authorization, 'content-type': contentType },
      payload,
    })
    expect(response.statusCode, response.body).toBeLessThan(500)
    if (response.statusCode !== 201) {
      expect(response.json()).toMatchObject({ statusCode: response.statusCode, message: expect.any(String) })
      expect(await database.db.product.count()).toBe(before)
      return response.statusCode
    }
    const row = await database.db.product.findUniqueOrThrow({ where: { product_id: response.json().product_id } })
    expect(isValidProduct(row, userId), JSON.stringify(row)).toBe(true)
    expect(response.json()).toMatchObject({
      product_name: row.product_name,
      product_images: row.product_images,
      product_price: row.product_price.toNumber(),
    })
    expectStoredAsSent(row, JSON.parse(payload))
    return 201
  }

  /** Fields sent with the right type are stored exactly (not rounded, trimmed or replaced). */
  function expectStoredAsSent(row: Product, sent: Record<string, unknown>) {
    if (typeof sent.product_price === 'number') expect(row.product_price.toNumber()).toBe(sent.product_price)
    if (typeof sent.product_name === 'string') expect(row.product_name).toBe(sent.product_name)
    if (typeof sent.product_description === 'string') expect(row.product_description).toBe(sent.product_description)
    if (Array.isArray(sent.product_images) && sent.product_images.every((url) => typeof url === 'string')) {
      expect(row.product_images).toEqual(sent.product_images)
    }
  }

  // Bounded in count and in time (an interrupted run passes with the cases it completed).
  const run = <T extends [unknown, ...unknown[]]>(property: fc.IAsyncProperty<T>, numRuns: number) =>
    fc.assert(property, { numRuns, plugins: [fc.interruptAfterTimeLimit(20_000)] })

  it(
    'a valid body with one field replaced by a hostile value: never a 5xx, never an invalid product',
    { timeout: 60_000 },
    async () => {
      const replaced = fc
        .constantFrom(...(Object.keys(hostile) as Field[]))
        .chain((name) => hostile[name].map((value) => ({ name, value })))
      const statuses: number[] = []
      await run(
        fc.asyncProperty(replaced, async ({ name, value }) => {
          statuses.push(await check(JSON.stringify({ ...validBody(), [name]: value })))
        }),
        400,
      )
      // Both sides of the property were exercised: products stored (and checked) and bodies refused.
      expect(statuses.filter((s) => s === 201).length).toBeGreaterThan(20)
      expect(statuses.filter((s) => s === 400).length).toBeGreaterThan(20)
    },
  )

  it('several hostile fields at once', { timeout: 60_000 }, async () => {
    const valid = validBody()
    const field = (name: Exclude<Field, 'extra'>) =>
      fc.oneof({ weight: 2, arbitrary: fc.constant(valid[name]) }, hostile[name])
    const body = fc.record({
      user_id: field('user_id'),
      product_name: field('product_name'),
      product_description: field('product_description'),
      product_images: field('product_images'),
      product_price: field('product_price'),
    })
    await run(
      fc.asyncProperty(body, async (value) => {
        await check(JSON.stringify(value))
      }),
      300,
    )
  })

  it('any JSON value, and byte-level mutations of a valid body', { timeout: 60_000 }, async () => {
    const mutated = fc
      .tuple(fc.nat(), fc.nat(), fc.string({ unit: 'binary', maxLength: 4 }))
      .map(([at, drop, insert]) => {
        const text = JSON.stringify(validBody())
        const start = at % text.length
        return text.slice(0, start) + insert + text.slice(start + (drop % 4))
      })
    await run(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v)),
          mutated,
        ),
        async (payload) => {
          await check(payload)
        },
      ),
      300,
    )
  })

  it('strange content types', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=latin1',
      'multipart/form-data; boundary=x',
    ]) {
      await check(JSON.stringify(validBody()), type)
    }
  })
})
