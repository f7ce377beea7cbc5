import { appSettings, type AppSettings } from '../../src/app.ts'
import { createApiKey, type KeyOwner } from '../../src/auth/key-store.ts'
import { loadConfig } from '../../src/config.ts'
import type { Db } from '../../src/db/client.ts'

/** The configuration's defaults, with rate limits that only the rate-limit tests reach. */
export const testSettings = (env: Record<string, string> = {}): AppSettings =>
  appSettings(loadConfig({ RATE_LIMIT_PER_MINUTE: '1000000', AUTH_FAILURES_PER_MINUTE: '1000000', ...env }))

/** A new API key of this owner, as the headers that send it. */
export async function authorizationFor(db: Db, owner: KeyOwner): Promise<{ authorization: string }> {
  const { key } = await createApiKey(db, owner, 'test')
  return { authorization: `Bearer ${key}` }
}
