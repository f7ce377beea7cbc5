import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { createApiKey } from '../../src/auth/key-store.ts'
import { testSettings } from '../helpers/api.ts'
import { cspViolations, haveChromium, launchChromium, noChromium, pageOn } from '../helpers/browser.ts'
import { createTestDatabase, createUser, type TestDatabase } from '../helpers/database.ts'
import { healthChecks } from '../../src/routes/health.ts'

if (!haveChromium) console.warn(`Skipping the /docs browser tests: ${noChromium}`)

describe.skipIf(!haveChromium)('the /docs page in a real browser', () => {
  let database: TestDatabase
  let app: Awaited<ReturnType<typeof buildApp>>
  let browser: Browser
  let baseUrl: string
  let userId: number
  let key: string

  beforeAll(async () => {
    database = await createTestDatabase()
    userId = await createUser(database.db)
    ;({ key } = await createApiKey(database.db, { userId }))
    app = await buildApp({
      db: database.db,
      onProductCreated: () => {},
      checks: healthChecks(database.db, () => true),
      settings: testSettings(),
    })
    baseUrl = await app.listen({ host: '127.0.0.1', port: 0 })
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.close()
    await database?.drop()
  })

  it('loads and shows the products routes, under the content security policy', async () => {
    const page = await pageOn(browser, new URL(baseUrl).origin)
    const refused = cspViolations(page)
    const response = await page.goto(`${baseUrl}/docs`)
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self'/)
    await page.getByText('product-image-pipeline').first().waitFor({ timeout: 15_000 })
    for (const route of ['/products', '/products/{id}']) {
      await expect(
        page
          .locator('.opblock-summary-path', { hasText: new RegExp(`^${route.replace(/[{}]/g, '\\$&')}$`) })
          .first()
          .isVisible(),
      ).resolves.toBe(true)
    }
    await expect(page.locator('.opblock-post .opblock-summary-path').first().textContent()).resolves.toBe('/products')
    expect(refused).toEqual([])
  })

  it('lets a person authorize with an API key and post a product, under the content security policy', async () => {
    const page = await pageOn(browser, new URL(baseUrl).origin)
    const refused = cspViolations(page)
    await page.goto(`${baseUrl}/docs`)
    await page.locator('button.authorize').first().click({ timeout: 15_000 })
    const dialog = page.locator('.modal-ux')
    await dialog.locator('input').first().fill(key)
    await dialog.locator('button.authorize').click()
    await dialog.locator('button.btn-done').click()

    const operation = page.locator('.opblock-post').first()
    await operation.locator('.opblock-summary').click()
    await operation.locator('button.try-out__btn').click()
    const body = {
      user_id: userId,
      product_name: 'Lamp from the docs',
      product_description: 'Brass',
      product_images: ['https://images.example/lamp.jpg'],
      product_price: 12.5,
    }
    await operation.locator('textarea.body-param__text').fill(JSON.stringify(body, null, 2))
    await operation.locator('button.execute').click()

    const status = operation.locator('.live-responses-table tr.response .response-col_status')
    await status.waitFor({ timeout: 15_000 })
    await expect(status.textContent()).resolves.toMatch(/^\s*201/)
    const stored = await database.db.product.findFirstOrThrow({ where: { product_name: 'Lamp from the docs' } })
    expect(stored.user_id).toBe(userId)
    expect(refused).toEqual([])
  })
})
