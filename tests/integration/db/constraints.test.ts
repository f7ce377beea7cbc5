import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyMigrations, ensureDatabase, readMigrations } from '../../../src/db/migrate.ts'
import {
  createTestDatabase,
  createUser,
  dropDatabase,
  uniqueDatabaseUrl,
  type TestDatabase,
} from '../../helpers/database.ts'

// What the database itself enforces, whatever client writes the row (Prisma Studio, psql, another
// service): prisma/migrations/20261126130000_rows_stay_valid. Written with raw SQL, as those clients do.

type Row = Record<string, unknown>

const goodUser: Row = { name: 'Ada Lovelace', mobile: '+447700900123', latitude: 51.5072, longitude: -0.1276 }
const goodProduct: Row = {
  product_name: 'Desk lamp',
  product_description: 'Brass, 40 cm',
  product_images: ['https://images.example/lamp.jpg', 'https://images.example/lamp-2.jpg'],
  product_price: '49.95',
}

/** Every CHECK constraint the migration adds; a fresh database has them all validated. */
const CONSTRAINTS = [
  'products_compressed_product_images_count',
  'products_compressed_product_images_no_nulls',
  'products_done_has_every_image',
  'products_failed_has_errors',
  'products_image_errors_array',
  'products_images_array',
  'products_images_count',
  'products_product_images_no_nulls',
  'products_product_images_not_empty',
  'products_product_name_not_blank',
  'products_product_name_one_line',
  'products_product_price_not_negative',
  'users_latitude_range',
  'users_location_both_or_neither',
  'users_location_not_0_0',
  'users_longitude_range',
  'users_mobile_e164',
  'users_name_not_blank',
  'users_name_one_line',
]

function insertSql(table: string, row: Row, returning = '*'): [string, unknown[]] {
  const columns = Object.keys(row)
  const values = columns.map((_, i) => `$${i + 1}`)
  return [
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${values.join(', ')}) RETURNING ${returning}`,
    Object.values(row),
  ]
}

async function refusal(promise: Promise<unknown>): Promise<{ code?: string; constraint?: string; message: string }> {
  const error = await promise.then(
    () => undefined,
    (error: pg.DatabaseError) => error,
  )
  expect(error, 'the row was stored').toBeDefined()
  return { code: error!.code, constraint: error!.constraint, message: error!.message }
}

describe('the database keeps rows valid', () => {
  let database: TestDatabase
  let pool: pg.Pool
  let userId: number
  const query = <T extends pg.QueryResultRow = Row>(text: string, values?: unknown[]) => pool.query<T>(text, values)
  const insertUser = (row: Row, returning?: string) => query(...insertSql('users', { ...goodUser, ...row }, returning))
  const insertProduct = (row: Row, returning?: string) =>
    query(...insertSql('products', { user_id: userId, ...goodProduct, ...row }, returning))

  beforeAll(async () => {
    database = await createTestDatabase()
    pool = new pg.Pool({ connectionString: database.url, max: 2 })
    userId = await createUser(database.db)
  })
  afterAll(async () => {
    await pool?.end()
    await database?.drop()
  })

  it('has every constraint, validated', async () => {
    const { rows } = await query<{ conname: string; convalidated: boolean }>(
      `SELECT conname, convalidated FROM pg_constraint
       WHERE contype = 'c' AND conrelid IN ('users'::regclass, 'products'::regclass) ORDER BY conname`,
    )
    expect(rows).toEqual(CONSTRAINTS.map((conname) => ({ conname, convalidated: true })))
  })

  describe('timestamps', () => {
    // The columns keep milliseconds: compare with the statement's now() at the same precision.
    const stamps = 'created_at, updated_at, now()::timestamptz(3) AS now'

    for (const [table, key, insert] of [
      ['users', 'id', (row: Row) => insertUser(row, `id, ${stamps}`)],
      ['products', 'product_id', (row: Row) => insertProduct(row, `product_id AS id, ${stamps}`)],
    ] as const) {
      it(`${table}: an insert that names neither gets now() for both`, async () => {
        const {
          rows: [row],
        } = await insert({})
        expect(row!.created_at).toEqual(row!.now)
        expect(row!.updated_at).toEqual(row!.now)
      })

      it(`${table}: updated_at sent on insert is replaced by now() (Prisma Studio sends 1970-01-01)`, async () => {
        const {
          rows: [row],
        } = await insert({ updated_at: '1970-01-01 00:00:00.000+0000' })
        expect(row!.updated_at).toEqual(row!.now)
      })

      it(`${table}: every update sets updated_at to now(), whatever it sets itself`, async () => {
        const {
          rows: [created],
        } = await insert({ created_at: '2020-01-01T00:00:00Z' })
        const id = created!.id
        for (const set of [`${key} = ${key}`, `updated_at = '2000-01-01'`, `updated_at = NULL`]) {
          const {
            rows: [row],
          } = await query<{ created_at: Date; updated_at: Date; now: Date }>(
            `UPDATE ${table} SET ${set} WHERE ${key} = $1 RETURNING ${stamps}`,
            [id],
          )
          expect(row!.updated_at, set).toEqual(row!.now)
          expect(row!.updated_at.getTime()).toBeGreaterThanOrEqual((created!.updated_at as Date).getTime())
          expect(row!.created_at).toEqual(new Date('2020-01-01T00:00:00Z'))
        }
      })
    }

    it('rows written by Prisma Client get the same treatment', async () => {
      const before = (await query<{ now: Date }>('SELECT now()::timestamptz(3) AS now')).rows[0]!.now
      const user = await database.db.user.create({
        data: { name: 'Prisma', mobile: '+10000000001', latitude: 1, longitude: 2 },
      })
      expect(user.updated_at.getTime()).toBeGreaterThanOrEqual(before.getTime())
      const updated = await database.db.user.update({ where: { id: user.id }, data: { updated_at: new Date(0) } })
      expect(updated.updated_at.getTime()).toBeGreaterThanOrEqual(user.updated_at.getTime())
    })
  })

  describe('refuses a bad row and names the rule it breaks', () => {
    const users: [constraint: string, row: Row][] = [
      ['users_name_not_blank', { name: '' }],
      ['users_name_not_blank', { name: '   ' }],
      ['users_name_not_blank', { name: '\u00a0\u3000\ufeff' }],
      ['users_name_one_line', { name: 'Ada\nLovelace' }],
      ['users_name_one_line', { name: 'Ada\u0007' }],
      ['users_mobile_e164', { mobile: '' }],
      ['users_mobile_e164', { mobile: '447700900123' }],
      ['users_mobile_e164', { mobile: '+44 7700 900123' }],
      ['users_mobile_e164', { mobile: '+44-7700-900123' }],
      ['users_mobile_e164', { mobile: '+0447700900123' }],
      ['users_mobile_e164', { mobile: '+123456' }],
      ['users_mobile_e164', { mobile: '+1234567890123456' }],
      ['users_mobile_e164', { mobile: '+447700900123\n' }],
      ['users_latitude_range', { latitude: 123 }],
      ['users_latitude_range', { latitude: -90.0001 }],
      ['users_latitude_range', { latitude: 'NaN' }],
      ['users_latitude_range', { latitude: 'Infinity' }],
      ['users_longitude_range', { longitude: 180.5 }],
      ['users_longitude_range', { longitude: -181 }],
      ['users_longitude_range', { longitude: '-Infinity' }],
      ['users_location_not_0_0', { latitude: 0, longitude: 0 }],
      ['users_location_both_or_neither', { latitude: 51.5072, longitude: null }],
      ['users_location_both_or_neither', { latitude: null, longitude: -0.1276 }],
      ['users_latitude_range', { latitude: 123, longitude: null }],
    ]
    const products: [constraint: string, row: Row][] = [
      ['products_product_name_not_blank', { product_name: '' }],
      ['products_product_name_not_blank', { product_name: '  \u2003 ' }],
      ['products_product_name_one_line', { product_name: 'Desk\nlamp' }],
      ['products_product_name_one_line', { product_name: 'Desk\u009blamp' }],
      ['products_product_price_not_negative', { product_price: '-0.01' }],
      ['products_product_price_not_negative', { product_price: 'NaN' }],
      ['products_product_images_not_empty', { product_images: [] }],
      ['products_product_images_not_empty', { product_images: null }],
      ['products_product_images_no_nulls', { product_images: ['https://images.example/a.jpg', null] }],
      ['products_compressed_product_images_no_nulls', { compressed_product_images: null }],
      ['products_compressed_product_images_no_nulls', { compressed_product_images: [null] }],
      ['products_compressed_product_images_count', { compressed_product_images: ['a.webp', 'b.webp', 'c.webp'] }],
      ['products_image_errors_array', { image_errors: '{}' }],
      ['products_image_errors_array', { image_errors: 'null' }],
      ['products_images_array', { images: '{}' }],
      ['products_images_count', { compressed_product_images: ['a.webp'], images: '[{"index":0},{"index":1}]' }],
      ['products_done_has_every_image', { status: 'done', compressed_product_images: ['a.webp'] }],
      [
        'products_done_has_every_image',
        { status: 'done', compressed_product_images: ['a.webp', 'b.webp'], image_errors: '[{"index":0}]' },
      ],
      ['products_failed_has_errors', { status: 'failed', compressed_product_images: ['a.webp'] }],
    ]

    for (const [table, cases, insert] of [
      ['users', users, (row: Row) => insertUser(row)],
      ['products', products, (row: Row) => insertProduct(row)],
    ] as const) {
      it.each(cases)(`${table}: %s refuses %j`, async (constraint, row) => {
        const error = await refusal(insert(row))
        expect(error).toMatchObject({ code: '23514', constraint })
        expect(error.message).toContain(`"${constraint}"`)
      })
    }

    it('refuses an update that would break a rule, and leaves the row as it was', async () => {
      const {
        rows: [user],
      } = await insertUser({})
      const error = await refusal(query('UPDATE users SET latitude = 123 WHERE id = $1', [user!.id]))
      expect(error).toMatchObject({ code: '23514', constraint: 'users_latitude_range' })
      expect((await query('SELECT latitude FROM users WHERE id = $1', [user!.id])).rows[0]!.latitude).toBe(
        goodUser.latitude,
      )
    })
  })

  it('stores a user with only a name and a mobile (as Studio adds one) with the location null', async () => {
    const {
      rows: [user],
    } = await query(...insertSql('users', { name: goodUser.name, mobile: goodUser.mobile }))
    expect(user).toMatchObject({ latitude: null, longitude: null })
  })

  describe('accepts every valid row, edge values included', () => {
    it.each<[string, Row]>([
      ['the poles and the antimeridian', { latitude: -90, longitude: 180 }],
      ['the other ends', { latitude: 90, longitude: -180 }],
      ['the equator', { latitude: 0, longitude: 32.58 }],
      ['the prime meridian', { latitude: 51.48, longitude: 0 }],
      ['a location not known (both null)', { latitude: null, longitude: null }],
      ['the shortest E.164 number (7 digits)', { mobile: '+6834002' }],
      ['the longest E.164 number (15 digits)', { mobile: '+123456789012345' }],
      ['a name with inner spaces and accents', { name: '  Zoë  de la Cruz ' }],
      ['a one-letter name in any script', { name: '李' }],
    ])('users: %s', async (_, row) => {
      await expect(insertUser(row)).resolves.toMatchObject({ rowCount: 1 })
    })

    it.each<[string, Row]>([
      ['a price of 0', { product_price: '0' }],
      ['the largest price', { product_price: '9999999999.99' }],
      ['a description with tabs and newlines, or empty', { product_description: 'a\tb\r\nc' }],
      ['an empty description', { product_description: '' }],
      ['a name with a right-to-left override (the API allows it)', { product_name: 'lamp \u202e' }],
      [
        'processing with leftovers of an earlier run',
        { status: 'processing', compressed_product_images: ['a.webp'], image_errors: '[{"index":1}]' },
      ],
      ['done', { status: 'done', compressed_product_images: ['a.webp', 'b.webp'] }],
      [
        'done with a record per image',
        { status: 'done', compressed_product_images: ['a.webp', 'b.webp'], images: '[{"index":0},{"index":1}]' },
      ],
      [
        'reprocessing: pending with the records of the last run',
        { status: 'pending', compressed_product_images: ['a.webp'], images: '[{"index":0}]' },
      ],
      [
        'failed, one image stored',
        { status: 'failed', compressed_product_images: ['a.webp'], image_errors: '[{"index":1}]' },
      ],
      ['failed, none stored', { status: 'failed', image_errors: '[{"index":0},{"index":1}]' }],
    ])('products: %s', async (_, row) => {
      await expect(insertProduct(row)).resolves.toMatchObject({ rowCount: 1 })
    })
  })

  // prisma/migrations/20261206171446_product_lifecycle
  describe('superseded files and deletions', () => {
    it("keeps a superseded file's key inside its own product's folder", async () => {
      const { rows } = await insertProduct({}, 'product_id')
      const id = rows[0]!.product_id as number
      const insert = (key: string) => query(...insertSql('superseded_images', { product_id: id, key }))
      await expect(insert(`${id}/0123456789abcdef.1a2b3c4d.webp`)).resolves.toMatchObject({ rowCount: 1 })
      for (const key of [`${id + 1}/a.webp`, `${id}/../a.webp`, `${id}/a/b.webp`, 'a.webp', `/${id}/a.webp`, '']) {
        expect(await refusal(insert(key)), key).toMatchObject({ constraint: 'superseded_images_key_in_product' })
      }
    })

    it('refuses a deletion of product 0 or one finished before it was asked for', async () => {
      const insert = (row: Row) => query(...insertSql('product_deletions', row))
      expect(await refusal(insert({ product_id: 0 }))).toMatchObject({
        constraint: 'product_deletions_product_id_positive',
      })
      expect(
        await refusal(insert({ product_id: 9, deleted_at: '2026-01-02', files_removed_at: '2026-01-01' })),
      ).toMatchObject({ constraint: 'product_deletions_removed_after_deleted' })
      await expect(insert({ product_id: 9 })).resolves.toMatchObject({ rowCount: 1 })
    })
  })
})

describe('migrating a database that holds rows from before the rules', () => {
  const url = uniqueDatabaseUrl()
  afterAll(() => dropDatabase(url))

  it('keeps and reports the rows that break a rule, repairs updated_at, validates the rest', async () => {
    const migrations = await readMigrations()
    const index = migrations.findIndex((migration) => migration.name === '20261126130000_rows_stay_valid')
    expect(index).toBeGreaterThan(0)
    await ensureDatabase(url)
    await applyMigrations(url, migrations.slice(0, index))

    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      // What Prisma Studio stored before: only name and mobile typed (or not even the mobile).
      const studio = `INSERT INTO users (mobile, name, longitude, latitude, updated_at)
        VALUES ($1, $2, $3, $4, '1970-01-01 00:00:00.000+0000')`
      await client.query(studio, ['', 'No mobile', 0, 0])
      await client.query(studio, ['+447700900123', 'No location', 0, 0])
      await client.query(studio, ['+447700900124', 'Typed everything', 48.85, 2.35])

      const warnings: string[] = []
      const applied = await applyMigrations(url, migrations, { onWarning: (_, message) => warnings.push(message) })
      expect(applied).toEqual(migrations.slice(index).map((migration) => migration.name))
      expect(warnings).toEqual([
        expect.stringMatching(/^2 row\(s\) of users break constraint users_location_not_0_0 \(id 1, 2\)/),
        expect.stringMatching(
          new RegExp(
            /^1 row\(s\) of users break constraint users_mobile_e164 \(id 1\)/.source +
              /.*ALTER TABLE users VALIDATE CONSTRAINT users_mobile_e164;$/.source,
          ),
        ),
      ])

      const { rows: users } = await client.query(
        'SELECT id, updated_at = created_at AS repaired FROM users ORDER BY id',
      )
      expect(users).toEqual([1, 2, 3].map((id) => ({ id, repaired: true })))
      const { rows: pending } = await client.query(
        `SELECT conname FROM pg_constraint WHERE contype = 'c' AND NOT convalidated ORDER BY conname`,
      )
      expect(pending).toEqual([{ conname: 'users_location_not_0_0' }, { conname: 'users_mobile_e164' }])

      // Not yet validated, but enforced on new and changed rows.
      await expect(client.query(studio, ['', 'Another', 0, 0])).rejects.toMatchObject({ code: '23514' })
      await expect(client.query(`UPDATE users SET name = 'Renamed' WHERE id = 1`)).rejects.toMatchObject({
        code: '23514',
      })

      // Fixed by hand, then validated as the warning says.
      await client.query(`UPDATE users SET mobile = '+447700900125', latitude = 40.4, longitude = -3.7 WHERE id = 1`)
      await client.query(`UPDATE users SET latitude = 52.37, longitude = 4.9 WHERE id = 2`)
      await client.query('ALTER TABLE users VALIDATE CONSTRAINT users_mobile_e164')
      await client.query('ALTER TABLE users VALIDATE CONSTRAINT users_location_not_0_0')
    } finally {
      await client.end()
    }
  })
})
