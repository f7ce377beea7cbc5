import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts'

// Debian's Chromium (.ci/run installs it). Without it this one test skips, saying why.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const haveChromium = existsSync(CHROMIUM)
if (!haveChromium) console.warn(`Skipping the /docs browser test: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`)

describe.skipIf(!haveChromium)('the /docs page in a real browser', () => {
  let database: TestDatabase
  let app: Awaited<ReturnType<typeof buildApp>>
  let browser: Browser
  let baseUrl: string

  beforeAll(async () => {
    database = await createTestDatabase()
    app = await buildApp({ db: database.db, onProductCreated: () => {}, brokerConnected: () => true })
    baseUrl = await app.listen({ host: '127.0.0.1', port: 0 })
    // The flags keep Chromium off the network it cannot reach here.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
  })
  afterAll(async () => {
    await browser?.close()
    await app?.close()
    await database?.drop()
  })

  it('loads and shows the products routes', async () => {
    const page = await browser.newPage()
    await page.goto(`${baseUrl}/docs`)
    await page.getByText('product-image-pipeline').first().waitFor({ timeout: 15_000 })
    for (const route of ['/products', '/products/{id}']) {
      await expect(page.locator('.opblock-summary-path', { hasText: new RegExp(`^${route.replace(/[{}]/g, '\\$&')}$`) }).first().isVisible()).resolves.toBe(true)
    }
    await expect(page.locator('.opblock-post .opblock-summary-path').first().textContent()).resolves.toBe('/products')
  })
})
