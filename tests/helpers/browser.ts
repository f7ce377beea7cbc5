import { existsSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'

// Debian's Chromium (.ci/run installs it). Without it the browser tests skip, saying why.
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const haveChromium = existsSync(CHROMIUM)
export const noChromium = `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`

/** The flags keep Chromium off the network it cannot reach here. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/** A page in a context of its own that reaches `origin` only: any other request (telemetry...) is aborted. */
export async function pageOn(browser: Browser, origin: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  await context.route('**/*', (route) =>
    new URL(route.request().url()).origin === origin ? route.continue() : route.abort(),
  )
  return context.newPage()
}

/** What the page's content security policy refused, as Chromium reports it on the console; filled as the page runs. */
export function cspViolations(page: Page): string[] {
  const refused: string[] = []
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) refused.push(message.text())
  })
  return refused
}
