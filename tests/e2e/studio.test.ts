import pg from 'pg'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { haveChromium, launchChromium, noChromium, pageOn } from '../helpers/browser.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts'
import { startStudio, type Studio } from '../helpers/studio.ts'

if (!haveChromium) console.warn(`Skipping the Prisma Studio browser tests: ${noChromium}`)

// Users are added by hand in Prisma Studio (docs/database.md). These tests use Studio's own grid, as a
// person does, and read what the database stored. Selectors are Studio's data attributes and
// button labels (prisma 7.10.1, @prisma/studio-core 0.33.0).
describe.skipIf(!haveChromium)('adding users in Prisma Studio', () => {
  let database: TestDatabase
  let studio: Studio
  let browser: Browser
  let pool: pg.Pool
  const pages: Page[] = []

  beforeAll(async () => {
    database = await createTestDatabase()
    pool = new pg.Pool({ connectionString: database.url, max: 1 })
    ;[studio, browser] = await Promise.all([startStudio(database.url), launchChromium()])
  })
  afterAll(async () => {
    for (const page of pages) await page.context().close()
    await browser?.close()
    await studio?.stop()
    await pool?.end()
    await database?.drop()
  })

  async function openUsers(): Promise<Page> {
    const page = await pageOn(browser, studio.url)
    pages.push(page)
    await page.goto(`${studio.url}/#schema=public&table=users&view=table`)
    await page.getByRole('button', { name: 'Insert row' }).waitFor()
    return page
  }

  /** A cell of the grid; the row Insert row adds is the first one. */
  const cell = (page: Page, column: string, row = 0) =>
    page.locator(`td[data-grid-column-id="${column}"][data-grid-visual-row-index="${row}"]`)

  /** Types into a cell as a person does: double-click opens its editor, Enter keeps the value. */
  async function type(page: Page, target: Locator, value: string): Promise<void> {
    await target.dblclick()
    const editor = page.locator('[data-studio-cell-editor="true"] input')
    await editor.fill(value)
    await editor.press('Enter')
    await editor.waitFor({ state: 'detached' })
  }

  /**
   * Saves the staged edits and confirms; returns the statement Studio sent and its server's
   * answer: `[null, rows]`, or `[error]` with PostgreSQL's fields (code, constraint_name...).
   */
  async function save(
    page: Page,
  ): Promise<{ sql: string; parameters: unknown[]; answer: [Record<string, unknown> | null, ...unknown[]] }> {
    const write = page.waitForResponse(
      (response) =>
        response.url().endsWith('/bff') && /"sql":"(insert|update) /.test(response.request().postData() ?? ''),
    )
    await page.getByRole('button', { name: /^Save \d+ rows?$/ }).click()
    await page.getByRole('button', { name: 'yes, write to db' }).click()
    const response = await write
    const { query } = JSON.parse(response.request().postData()!) as { query: { sql: string; parameters: unknown[] } }
    return { ...query, answer: await response.json() }
  }

  /** The columns an insert names, in alphabetical order (Studio lists them in the order they were edited). */
  const insertedColumns = (sql: string) =>
    (sql.match(/^insert into "public"\."users" \(([^)]*)\) values/)?.[1] ?? '')
      .split(', ')
      .map((column) => column.replaceAll('"', ''))
      .sort()

  const usersNamed = async (name: string) =>
    (
      await pool.query('SELECT *, extract(epoch FROM now() - updated_at) AS age_seconds FROM users WHERE name = $1', [
        name,
      ])
    ).rows

  it(
    'stores a user typed into the grid with the values typed and the timestamps of now',
    { timeout: 60_000 },
    async () => {
      const page = await openUsers()
      await page.getByRole('button', { name: 'Insert row' }).click()
      const typed = { name: 'Grace Hopper', mobile: '+12025550123', latitude: '38.8951', longitude: '-77.0364' }
      for (const [column, value] of Object.entries(typed)) await type(page, cell(page, column), value)

      const { sql, answer } = await save(page)
      expect(answer[0], JSON.stringify(answer)).toBeNull()
      // updated_at has a default now, so Studio leaves it out (it used to send 1970-01-01).
      expect(insertedColumns(sql), sql).toEqual(['latitude', 'longitude', 'mobile', 'name'])

      const rows = await usersNamed(typed.name)
      expect(rows).toHaveLength(1)
      const [user] = rows
      expect(user).toMatchObject({ mobile: typed.mobile, latitude: 38.8951, longitude: -77.0364 })
      expect(user.updated_at).toEqual(user.created_at)
      expect(Number(user.age_seconds)).toBeGreaterThanOrEqual(0)
      expect(Number(user.age_seconds)).toBeLessThan(60)
    },
  )

  it('stores a user given only a name and a mobile, with the location unknown', { timeout: 60_000 }, async () => {
    const page = await openUsers()
    await page.getByRole('button', { name: 'Insert row' }).click()
    const typed = { name: 'Location unknown', mobile: '+12025550125' }
    for (const [column, value] of Object.entries(typed)) await type(page, cell(page, column), value)

    const { sql, parameters, answer } = await save(page)
    expect(answer[0], JSON.stringify({ sql, parameters, answer })).toBeNull()
    // Optional, the location columns are left out, so null (required, Studio sent 0 for both).
    expect(insertedColumns(sql), sql).toEqual(['mobile', 'name'])
    expect(await usersNamed(typed.name)).toEqual([
      expect.objectContaining({ mobile: typed.mobile, latitude: null, longitude: null }),
    ])
  })

  it(
    'refuses a latitude of 123: nothing is stored and Studio says the insert failed',
    { timeout: 60_000 },
    async () => {
      const page = await openUsers()
      await page.getByRole('button', { name: 'Insert row' }).click()
      const typed = { name: 'Out of range', mobile: '+12025550199', latitude: '123', longitude: '10' }
      for (const [column, value] of Object.entries(typed)) await type(page, cell(page, column), value)

      const { answer } = await save(page)
      // Studio's server gets the constraint's name; its page shows only that the insert failed
      // (and its Console the statement, without PostgreSQL's message).
      expect(answer[0]).toMatchObject({ code: '23514', constraint_name: 'users_latitude_range', table_name: 'users' })
      await page.getByText('"insert" operation failed').waitFor()
      expect(await usersNamed(typed.name)).toEqual([])
    },
  )

  it('bumps updated_at when a row is edited', { timeout: 60_000 }, async () => {
    const {
      rows: [before],
    } = await pool.query(
      `INSERT INTO users (name, mobile, latitude, longitude) VALUES ('Edit me', '+12025550124', 1, 2) RETURNING id, ` +
        `updated_at`,
    )
    const page = await openUsers()
    const row = page.locator('tr', { has: page.locator('td[data-grid-column-id="name"]', { hasText: /^Edit me$/ }) })
    await type(page, row.locator('td[data-grid-column-id="name"]'), 'Edited')

    const { sql, answer } = await save(page)
    expect(answer[0], JSON.stringify(answer)).toBeNull()
    expect(sql).toMatch(/^update "public"."users" set "name" = \$1 where/) // Studio sends only the edited column
    const {
      rows: [after],
    } = await pool.query('SELECT name, updated_at FROM users WHERE id = $1', [before.id])
    expect(after.name).toBe('Edited')
    expect(after.updated_at.getTime()).toBeGreaterThan(before.updated_at.getTime())
  })
})
