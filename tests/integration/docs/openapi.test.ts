import { readFile } from 'node:fs/promises'
import { createConfig, lintFromString } from '@redocly/openapi-core'
import createClient from 'openapi-fetch'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../../src/app.ts'
import { createApiKey } from '../../../src/auth/key-store.ts'
import { productKeywords } from '../../../src/routes/products/keywords.ts'
import { testSettings } from '../../helpers/api.ts'
import { createTestDatabase, createUser, type TestDatabase } from '../../helpers/database.ts'
import { generateTypes, TYPES_FILE } from '../../helpers/openapi-types.ts'
import type { paths } from './api-types.ts'
import { healthChecks } from '../../../src/routes/health.ts'

// What a team that feeds /docs/json to a linter or a client generator gets.
describe('the OpenAPI document at /docs/json', () => {
  let database: TestDatabase
  let app: Awaited<ReturnType<typeof buildApp>>
  let document: {
    paths: Record<
      string,
      Record<string, { operationId?: string; responses: Record<string, unknown>; security?: unknown[] }>
    >
  }
  let baseUrl: string

  beforeAll(async () => {
    database = await createTestDatabase()
    app = await buildApp({
      db: database.db,
      onProductCreated: () => {},
      checks: healthChecks(database.db, () => true),
      settings: testSettings(),
    })
    baseUrl = await app.listen({ host: '127.0.0.1', port: 0 })
    document = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  const operations = () =>
    Object.entries(document.paths).flatMap(([route, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ route, method, operation })),
    )

  it("passes Redocly's recommended rules without an error", async () => {
    const problems = await lintFromString({
      source: JSON.stringify(document),
      absoluteRef: 'openapi.json',
      config: await createConfig({ extends: ['recommended'] }),
    })
    const show = (p: (typeof problems)[number]) =>
      `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`
    // Left as warnings, and why: probes answer no 4xx; the licence (UNLICENSED, private) has no URL.
    console.log(
      problems
        .filter((p) => p.severity !== 'error')
        .map(show)
        .join('\n'),
    )
    expect(problems.filter((p) => p.severity === 'error').map(show)).toEqual([])
  })

  it('carries no keyword that OpenAPI does not know: ours are x- extensions', () => {
    const text = JSON.stringify(document)
    for (const { keyword } of productKeywords) {
      expect(text).not.toContain(`"${keyword}":`)
      expect(text).toContain(`"x-${keyword}":`)
    }
  })

  it('names every operation, and says which need an API key', () => {
    expect(
      operations()
        .map(({ operation }) => operation.operationId)
        .sort(),
    ).toEqual([
      'createProduct',
      'createWebhook',
      'deleteProduct',
      'deleteWebhook',
      'getHealth',
      'getProduct',
      'getReadiness',
      'getWebhook',
      'listProducts',
      'listWebhooks',
      'reprocessProduct',
      'updateProduct',
    ])
    for (const { route, operation } of operations()) {
      const keyed = route.startsWith('/products') || route.startsWith('/webhooks')
      expect(operation.security, route).toEqual(keyed ? [{ apiKey: [] }] : [])
    }
  })

  it('documents every status each products route answers, errors with their schema', () => {
    const statuses = (route: string, method: string) => Object.keys(document.paths[route]![method]!.responses).sort()
    expect(statuses('/products', 'post')).toEqual(['201', '400', '401', '403', '413', '422', '429', '5XX'])
    expect(statuses('/products', 'get')).toEqual(['200', '400', '401', '429', '5XX'])
    expect(statuses('/products/{id}', 'get')).toEqual(['200', '400', '401', '404', '429', '5XX'])
    expect(statuses('/products/{id}/reprocess', 'post')).toEqual(['202', '400', '401', '404', '409', '429', '5XX'])
    expect(statuses('/products/{id}', 'patch')).toEqual(['200', '400', '401', '404', '409', '429', '5XX'])
    expect(statuses('/products/{id}', 'delete')).toEqual(['204', '400', '401', '404', '429', '5XX'])
    expect(statuses('/webhooks', 'post')).toEqual(['201', '400', '401', '403', '409', '413', '422', '429', '5XX'])
    expect(statuses('/webhooks', 'get')).toEqual(['200', '400', '401', '429', '5XX'])
    expect(statuses('/webhooks/{id}', 'get')).toEqual(['200', '400', '401', '404', '429', '5XX'])
    expect(statuses('/webhooks/{id}', 'delete')).toEqual(['204', '400', '401', '404', '429', '5XX'])
    for (const { route, method, operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (status === '204') expect(response, `${method} ${route} ${status}`).not.toHaveProperty('content')
        else expect(response, `${route} ${status}`).toHaveProperty(['content', 'application/json', 'schema'])
      }
    }
  })

  it('gives the types in api-types.ts (else run npm run openapi:types)', async () => {
    expect(await readFile(TYPES_FILE, 'utf8')).toBe(await generateTypes(document))
  })

  it('lets a client generated from it post and read a product', async () => {
    const userId = await createUser(database.db)
    const { key } = await createApiKey(database.db, { userId })
    const client = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${key}` } })

    const body = {
      user_id: userId,
      product_name: 'Typed lamp',
      product_description: 'Brass',
      product_images: ['https://images.example/lamp.jpg'],
      product_price: 20,
    }
    const created = await client.POST('/products', { body })
    expect(created.response.status).toBe(201)
    const productId = created.data!.product_id

    const read = await client.GET('/products/{id}', { params: { path: { id: productId } } })
    expect(read.data).toMatchObject({ ...body, status: 'pending' })
    const listed = await client.GET('/products', { params: { query: { limit: 5 } } })
    expect(listed.data!.items.map((p) => p.product_id)).toContain(productId)

    const refused = await client.POST('/products', { body: { ...body, user_id: userId + 1000 } })
    expect(refused.response.status).toBe(403)
    expect(refused.error?.message).toMatch(/another user/)
  })

  it('lets a client generated from it register, read and delete a webhook', async () => {
    const userId = await createUser(database.db)
    const { key } = await createApiKey(database.db, { userId })
    const client = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${key}` } })

    const created = await client.POST('/webhooks', { body: { user_id: userId, url: 'https://8.8.8.8/hooks' } })
    expect(created.response.status).toBe(201)
    expect(created.data!.secret).toMatch(/^whsec_/)
    const read = await client.GET('/webhooks/{id}', { params: { path: { id: created.data!.id } } })
    expect(read.data).toMatchObject({ id: created.data!.id, enabled: true, attempts: [] })
    const deleted = await client.DELETE('/webhooks/{id}', { params: { path: { id: created.data!.id } } })
    expect(deleted.response.status).toBe(204)
  })
})
