import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { createDb } from '../../src/db/client.ts'
import { authorizationFor, testSettings } from '../helpers/api.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts'
import { healthChecks } from '../../src/routes/health.ts'

type App = Awaited<ReturnType<typeof buildApp>>

describe('security headers on every answer', () => {
  let database: TestDatabase
  let imagesDir: string
  let app: App
  let broken: App
  const unreachable = createDb('postgresql://postgres@127.0.0.1:1/nowhere', 1)
  let headers: { authorization: string }

  beforeAll(async () => {
    database = await createTestDatabase()
    headers = await authorizationFor(database.db, { admin: true })
    imagesDir = await mkdtemp(path.join(tmpdir(), 'headers-images-'))
    await mkdir(path.join(imagesDir, '1'))
    await writeFile(path.join(imagesDir, '1', '0.webp'), 'RIFF....WEBP')
    const settings = { ...testSettings(), imagesDir, bodyLimit: 1024 }
    app = await buildApp({
      db: database.db,
      onProductCreated: () => {},
      checks: healthChecks(database.db, () => true),
      settings,
    })
    broken = await buildApp({
      db: unreachable,
      onProductCreated: () => {},
      checks: healthChecks(unreachable, () => true),
      settings,
    })
  })
  afterAll(async () => {
    await app?.close()
    await broken?.close()
    await unreachable.$disconnect()
    await database?.drop()
    await rm(imagesDir, { recursive: true, force: true })
  })

  const answers: [string, (app: App, broken: App) => Promise<LightMyRequestResponse>, number][] = [
    ['the liveness probe', (app) => app.inject({ url: '/health' }), 200],
    ['the docs page', (app) => app.inject({ url: '/docs' }), 200],
    ['the OpenAPI document', (app) => app.inject({ url: '/docs/json' }), 200],
    ['a list of products', (app) => app.inject({ url: '/products', headers }), 200],
    ['an image', (app) => app.inject({ url: '/images/1/0.webp' }), 200],
    ['a missing image', (app) => app.inject({ url: '/images/1/9.webp' }), 404],
    ['an unknown route', (app) => app.inject({ url: '/nowhere' }), 404],
    ['a request without a key', (app) => app.inject({ url: '/products' }), 401],
    ['a bad parameter', (app) => app.inject({ url: '/products?limit=0', headers }), 400],
    [
      'a body over the limit',
      (app) =>
        app.inject({ method: 'POST', url: '/products', headers, payload: { product_description: 'x'.repeat(2048) } }),
      413,
    ],
    ['a server error', (_app, broken) => broken.inject({ url: '/products', headers }), 500],
  ]

  it.each(answers)('%s: nosniff and a content security policy', async (_case, request, status) => {
    const response = await request(app, broken)
    expect(response.statusCode).toBe(status)
    expect(response.headers['x-content-type-options']).toBe('nosniff')
    expect(response.headers['content-security-policy']).toMatch(/default-src 'self'/)
    expect(response.headers['content-security-policy']).toMatch(/object-src 'none'/)
    expect(response.headers['content-security-policy']).toMatch(/frame-ancestors 'self'/)
  })

  it('lets other sites embed the images, as from a CDN, and nothing else', async () => {
    expect((await app.inject({ url: '/images/1/0.webp' })).headers['cross-origin-resource-policy']).toBe('cross-origin')
    expect((await app.inject({ url: '/products', headers })).headers['cross-origin-resource-policy']).toBe(
      'same-origin',
    )
  })

  it('sends no upgrade-insecure-requests: the API may be reached over plain HTTP, /docs included', async () => {
    expect((await app.inject({ url: '/docs' })).headers['content-security-policy']).not.toMatch(
      /upgrade-insecure-requests/,
    )
  })
})
