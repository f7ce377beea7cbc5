import { mkdir, writeFile } from 'node:fs/promises'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Registry } from 'prom-client'
import { buildApp } from '../../src/app.ts'
import { createDb } from '../../src/db/client.ts'
import { serveOperations } from '../../src/operations.ts'
import { authorizationFor, testSettings } from '../helpers/api.ts'
import { recordLogs } from '../helpers/logs.ts'
import { createTestDatabase, createUser, type TestDatabase } from '../helpers/database.ts'
import { healthChecks } from '../../src/routes/health.ts'

describe('operating the API: docs, probes, metrics, served images', () => {
  let database: TestDatabase
  let imagesDir: string
  let app: Awaited<ReturnType<typeof buildApp>>
  let operations: Awaited<ReturnType<typeof serveOperations>>
  let brokerUp = true
  let headers: { authorization: string }
  const users: number[] = []

  beforeAll(async () => {
    database = await createTestDatabase()
    users.push(await createUser(database.db), await createUser(database.db))
    headers = await authorizationFor(database.db, { admin: true })
    imagesDir = await mkdtemp(path.join(tmpdir(), 'served-images-'))
    // As the API process runs them: the public app, and its operations server with the app's HTTP metrics.
    const httpMetrics = new Registry()
    const checks = healthChecks(database.db, () => brokerUp)
    app = await buildApp({
      db: database.db,
      onProductCreated: () => {},
      checks,
      settings: { ...testSettings(), imagesDir },
      httpMetrics,
    })
    operations = await serveOperations({ host: '127.0.0.1', port: 0, checks, log: recordLogs().log, httpMetrics })
  })
  afterAll(async () => {
    await app?.close()
    await operations?.close()
    await database?.drop()
    await rm(imagesDir, { recursive: true, force: true })
  })

  const post = (userId: number, name: string) =>
    app.inject({
      method: 'POST',
      url: '/products',
      headers,
      payload: {
        user_id: userId,
        product_name: name,
        product_description: '',
        product_images: ['https://img.example/a.jpg'],
        product_price: 1,
      },
    })

  describe('OpenAPI', () => {
    it('documents every route with its request and response schemas', async () => {
      await app.ready()
      const spec = app.swagger() as { openapi: string; paths: Record<string, Record<string, any>> }
      expect(spec.openapi).toMatch(/^3\./)
      expect(Object.keys(spec.paths).sort()).toEqual([
        '/health',
        '/products',
        '/products/{id}',
        '/products/{id}/reprocess',
        '/ready',
        '/webhooks',
        '/webhooks/{id}',
      ])
      const create = spec.paths['/products']!.post
      expect(create.requestBody.content['application/json'].schema.required).toEqual(
        expect.arrayContaining(['user_id', 'product_name', 'product_description', 'product_images', 'product_price']),
      )
      expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '422']))
      const list = spec.paths['/products']!.get
      expect(list.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['cursor', 'limit', 'user_id'])
      expect(spec.paths['/products/{id}']!.get.parameters[0]).toMatchObject({ name: 'id', in: 'path' })
      for (const [route, methods] of Object.entries(spec.paths)) {
        for (const [method, operation] of Object.entries(methods)) {
          const success = operation.responses['200'] ?? operation.responses['201'] ?? operation.responses['202']
          if (method === 'delete') expect(operation.responses['204'], route).not.toHaveProperty('content')
          else expect(success, `${method} ${route}`).toHaveProperty('content.application/json.schema')
        }
      }
    })

    it('serves the documentation page at /docs', async () => {
      const response = await app.inject({ method: 'GET', url: '/docs/' })
      expect(response.statusCode).toBe(200)
      expect(response.headers['content-type']).toMatch(/text\/html/)
      expect((await app.inject({ method: 'GET', url: '/docs/json' })).json().paths).toHaveProperty(['/products'])
    })
  })

  describe('probes', () => {
    it('/health answers while the process is alive', async () => {
      expect((await app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' })
    })

    it('/ready answers 200 with the database and the broker reachable, 503 without the broker', async () => {
      expect((await app.inject({ method: 'GET', url: '/ready' })).json()).toEqual({
        status: 'ready',
        database: true,
        broker: true,
      })
      expect((await operations.inject({ method: 'GET', url: '/ready' })).json()).toEqual({
        status: 'ready',
        database: true,
        broker: true,
      })
      brokerUp = false
      const response = await app.inject({ method: 'GET', url: '/ready' })
      brokerUp = true
      expect(response.statusCode).toBe(503)
      expect(response.json()).toEqual({ status: 'unavailable', database: true, broker: false })
    })

    it('/ready answers 503 when the database is unreachable', async () => {
      const unreachable = createDb('postgresql://postgres@127.0.0.1:1/nowhere')
      const other = await buildApp({
        db: unreachable,
        onProductCreated: () => {},
        checks: healthChecks(unreachable, () => true),
        settings: { ...testSettings(), imagesDir },
      })
      try {
        const response = await other.inject({ method: 'GET', url: '/ready' })
        expect(response.statusCode).toBe(503)
        expect(response.json()).toMatchObject({ database: false, broker: true })
      } finally {
        await other.close()
        await unreachable.$disconnect()
      }
    })
  })

  it('/metrics, on the operations server only: HTTP latency and the service counters (Prometheus)', async () => {
    await post(users[0]!, 'counted')
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404)
    const response = await operations.inject({ method: 'GET', url: '/metrics' })
    expect(response.statusCode).toBe(200)
    for (const name of [
      'http_request_duration_seconds_bucket',
      'products_created_total',
      'images_processed_total',
      'image_processing_seconds',
      'image_bytes_in_total',
      'image_bytes_out_total',
      'outbox_backlog',
      'messages_retried_total',
      'messages_dead_lettered_total',
      'superseded_files_removed_total',
      'product_deletions_finished_total',
    ]) {
      expect(response.body, name).toContain(name)
    }
    expect(response.body).toMatch(/products_created_total [1-9]/)
    // The public app's requests, measured there and served here.
    expect(response.body).toMatch(
      /http_request_duration_seconds_count\{method="POST",route="\/products",status_code="201"\} [1-9]/,
    )
    expect(response.body).toContain('process_cpu_seconds_total')
  })

  describe('served images', () => {
    it('serves a compressed image with its type and a long cache lifetime', async () => {
      await mkdir(path.join(imagesDir, '7'), { recursive: true })
      await writeFile(path.join(imagesDir, '7', '0.webp'), 'RIFF....WEBP')
      const response = await app.inject({ method: 'GET', url: '/images/7/0.webp' })
      expect(response.statusCode).toBe(200)
      expect(response.headers['content-type']).toBe('image/webp')
      expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    })

    it.each(['/images/../package.json', '/images/%2e%2e/package.json', '/images/7/../../package.json'])(
      'does not leave the images directory: %s',
      async (url) => {
        const response = await app.inject({ method: 'GET', url })
        expect(response.statusCode).toBeGreaterThanOrEqual(400)
        expect(response.body).not.toContain('product-image-pipeline')
      },
    )
  })
})
