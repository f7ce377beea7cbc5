// The floor for POST /products (issue item 2), run as its own process by api-vs-bare.bench.ts:
// Fastify validating the very same body schema (same Ajv keywords, same limits), then one raw
// pg INSERT on a pool of the same size. No Prisma, no outbox, no response schema. Its rows are
// stored as already queued, so an API process on the same database never relays them.
// With BARE_WITH_KEY=1 the route sits behind the API's own key check and rate limiter, as the
// API's routes do: the difference between the two is what access control costs.
// With BARE_INSERT=prisma it inserts with Prisma's `create` instead (same client settings as the
// API, no key, no outbox): the route a user writes first, which separates what Prisma costs from
// what the API adds on top.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify from 'fastify'
import pg from 'pg'
import { appSettings } from '../src/app.ts'
import accessControl from '../src/auth/access-control.ts'
import { loadConfig } from '../src/config.ts'
import { createDb } from '../src/db/client.ts'
import { productKeywords } from '../src/routes/products/keywords.ts'
import { createProductBody } from '../src/routes/products/schema.ts'

const config = loadConfig()
const limits = appSettings(config)
const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: config.DATABASE_POOL_SIZE })
const app = Fastify({
  bodyLimit: limits.bodyLimit,
  ajv: { customOptions: { keywords: productKeywords } },
}).withTypeProvider<TypeBoxTypeProvider>()

if (process.env.BARE_WITH_KEY === '1') {
  await app.register(accessControl, { db: createDb(config.DATABASE_URL, 2), access: limits.access })
}

const prisma =
  process.env.BARE_INSERT === 'prisma' ? createDb(config.DATABASE_URL, config.DATABASE_POOL_SIZE) : undefined

app.post('/products', { schema: { body: createProductBody(limits) } }, async (request, reply) => {
  if (prisma) {
    return reply.code(201).send(await prisma.product.create({ data: { ...request.body, queued_at: new Date() } }))
  }
  const body = request.body
  const { rows } = await pool.query(
    `INSERT INTO products
       (user_id, product_name, product_description, product_images, product_price, queued_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, now(), now()) RETURNING *`,
    [body.user_id, body.product_name, body.product_description, body.product_images, body.product_price],
  )
  return reply.code(201).send(rows[0])
})

await app.listen({ host: config.HOST, port: config.PORT })
// A clean exit on SIGTERM (so `node --cpu-prof` writes its profile).
process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => pool.end())
    .then(() => process.exit(0))
})
