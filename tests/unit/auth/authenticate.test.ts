import Fastify from 'fastify'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { generateApiKey } from '../../../src/auth/api-key.ts'
import authenticate from '../../../src/auth/authenticate.ts'
import type { Principal } from '../../../src/auth/principal.ts'
import limitRequests from '../../../src/auth/rate-limit.ts'

const KEY = generateApiKey()
const OWNER: Principal = { keyId: 1, admin: false, userId: 7 }
const WINDOW_MS = 60_000

/** A scope behind `authenticate` with keys kept in memory, beside a route outside it. */
async function appWith(
  findPrincipal: (key: string) => Promise<Principal | undefined>,
  failuresPerWindow = 100,
  trustProxy: boolean | string = false,
) {
  const app = Fastify({ trustProxy })
  await app.register(async (scope) => {
    await scope.register(limitRequests, { perWindow: 1000, windowMs: WINDOW_MS, redisUrl: '' })
    await scope.register(authenticate, { findPrincipal, failuresPerWindow, windowMs: WINDOW_MS })
    scope.get('/private', async (request) => request.principal)
  })
  app.get('/public', async () => 'open')
  return app
}

const lookups: string[] = []
const inMemory = async (key: string) => {
  lookups.push(key)
  return key === KEY ? OWNER : undefined
}
const get = (app: Awaited<ReturnType<typeof appWith>>, authorization?: string, remoteAddress = '192.0.2.1') =>
  app.inject({
    method: 'GET',
    url: '/private',
    headers: authorization === undefined ? {} : { authorization },
    remoteAddress,
  })

afterEach(() => {
  lookups.length = 0
  vi.useRealTimers()
})

describe('authenticate', () => {
  it.each([
    ['Bearer and the key', `Bearer ${KEY}`],
    ['the scheme in lower case', `bearer ${KEY}`],
    ['spaces around the key', `Bearer   ${KEY}  `],
  ])('lets a request with %s through, as the key’s owner', async (_case, header) => {
    const app = await appWith(inMemory)
    const response = await get(app, header)
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual(OWNER)
  })

  it.each([
    ['no Authorization header', undefined, 'Bearer', /needs an API key/],
    ['"Bearer" and nothing after it', 'Bearer', 'Bearer error="invalid_token"', /no valid API key/],
    ['"Bearer " and a blank', 'Bearer   ', 'Bearer error="invalid_token"', /no valid API key/],
    [
      'another scheme',
      `Basic ${Buffer.from('user:password').toString('base64')}`,
      'Bearer error="invalid_token"',
      /no valid API key/,
    ],
    ['the key without a scheme', KEY, 'Bearer error="invalid_token"', /no valid API key/],
    ['garbage', 'Bearer ✓ <script>', 'Bearer error="invalid_token"', /no valid API key/],
    ['an unknown key', `Bearer ${generateApiKey()}`, 'Bearer error="invalid_token"', /no valid API key/],
  ])('answers 401 for %s, with WWW-Authenticate and a JSON message', async (_case, header, challenge, message) => {
    const app = await appWith(inMemory)
    const response = await get(app, header)
    expect(response.statusCode).toBe(401)
    expect(response.headers['www-authenticate']).toBe(challenge)
    expect(response.json()).toMatchObject({
      statusCode: 401,
      error: 'Unauthorized',
      message: expect.stringMatching(message),
    })
  })

  it('asks for the owner of well-formed keys only', async () => {
    const app = await appWith(inMemory)
    await get(app, 'Bearer pip_short')
    await get(app, `Bearer ${KEY}x`)
    expect(lookups).toEqual([])
    await get(app, `Bearer ${KEY}`)
    expect(lookups).toEqual([KEY])
  })

  it('leaves the routes outside its scope open', async () => {
    const app = await appWith(inMemory)
    expect((await app.inject({ method: 'GET', url: '/public' })).statusCode).toBe(200)
  })

  it('answers 500, not 401, when the owner cannot be looked up', async () => {
    const app = await appWith(async () => {
      throw new Error('database unreachable')
    })
    expect((await get(app, `Bearer ${KEY}`)).statusCode).toBe(500)
  })

  it('refuses an address that failed too often until the window ends; its valid keys go through', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const app = await appWith(inMemory, 3)
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await get(app, `Bearer ${generateApiKey()}`)).statusCode).toBe(401)
    }
    for (const header of [`Bearer ${generateApiKey()}`, undefined, 'Bearer pip_short']) {
      const refused = await get(app, header)
      expect(refused.statusCode).toBe(429)
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
      expect(refused.headers['x-ratelimit-remaining']).toBe('0')
      expect(refused.json().message).toMatch(/too many failed authentications/)
    }

    // A customer behind the same address (a proxy, a NAT) is not locked out by the others' failures.
    const allowed = await get(app, `Bearer ${KEY}`)
    expect(allowed.statusCode).toBe(200)
    expect(allowed.json()).toEqual(OWNER)
    // Another address is not affected.
    expect((await get(app, `Bearer ${generateApiKey()}`, '192.0.2.2')).statusCode).toBe(401)

    vi.setSystemTime(Date.now() + WINDOW_MS)
    expect((await get(app, `Bearer ${generateApiKey()}`)).statusCode).toBe(401)
  })

  it('counts failures only: successes from an address never bring it to the limit', async () => {
    const app = await appWith(inMemory, 2)
    for (let request = 0; request < 5; request++) expect((await get(app, `Bearer ${KEY}`)).statusCode).toBe(200)
    expect((await get(app, `Bearer ${generateApiKey()}`)).statusCode).toBe(401)
    expect((await get(app, `Bearer ${KEY}`)).statusCode).toBe(200)
    expect((await get(app, `Bearer ${generateApiKey()}`)).statusCode).toBe(401)
    expect((await get(app, `Bearer ${generateApiKey()}`)).statusCode).toBe(429)
  })

  it.each([
    ['addresses of one IPv6 /64', '2001:db8:1:2::1', '2001:db8:1:2:ffff:ffff:ffff:fffe', '2001:db8:1:3::1'],
    ['an IPv4-mapped IPv6 address and its IPv4', '::ffff:198.51.100.7', '198.51.100.7', '198.51.100.8'],
  ])('counts the failures of %s as one address', async (_case, first, sameGroup, otherGroup) => {
    const app = await appWith(inMemory, 1)
    expect((await get(app, `Bearer ${generateApiKey()}`, first)).statusCode).toBe(401)
    expect((await get(app, `Bearer ${generateApiKey()}`, sameGroup)).statusCode).toBe(429)
    expect((await get(app, `Bearer ${generateApiKey()}`, otherGroup)).statusCode).toBe(401)
  })

  it('behind a trusted proxy, counts failures per client of X-Forwarded-For', async () => {
    const app = await appWith(inMemory, 1, '192.0.2.1')
    const from = (client: string) =>
      app.inject({
        method: 'GET',
        url: '/private',
        headers: { authorization: `Bearer ${KEY}x`, 'x-forwarded-for': client },
        remoteAddress: '192.0.2.1',
      })
    expect((await from('198.51.100.7')).statusCode).toBe(401)
    expect((await from('198.51.100.7')).statusCode).toBe(429)
    expect((await from('198.51.100.8')).statusCode).toBe(401)
  })
})
