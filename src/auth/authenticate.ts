import bearerAuth from '@fastify/bearer-auth'
import { normalizeIP } from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { isWellFormedApiKey } from './api-key.ts'
import type { Principal } from './principal.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The owner of the request's API key; set on every route behind `authenticate`. */
    principal: Principal
  }
}

export interface AuthenticateOptions {
  /** The principal of an active key; undefined for an unknown or revoked one. */
  findPrincipal(key: string): Promise<Principal | undefined>
  /** Failed authentications one client address may make in a window before its failures answer 429. */
  failuresPerWindow: number
  windowMs: number
}

const MESSAGES: Record<string, string> = {
  FST_BEARER_AUTH_MISSING_AUTHORIZATION_HEADER: 'this route needs an API key: send "Authorization: Bearer <key>"',
  FST_BEARER_AUTH_INVALID_AUTHORIZATION_HEADER:
    'the Authorization header holds no valid API key (unknown, revoked or malformed, or not the Bearer scheme)',
}

/**
 * Where a failure is counted: the client's address, an IPv6 one by its /64 (what one customer
 * usually holds), an IPv4-mapped IPv6 one as its IPv4.
 */
const failureGroup = (ip: string): string => `auth-failures:${normalizeIP(ip, 64)}`

/**
 * Requires `Authorization: Bearer <API key>` on every route of the scope it is registered in and
 * puts the key's owner on `request.principal`. Runs on request, before the body is read. Refusals
 * answer 401 with `WWW-Authenticate: Bearer`. Only failures are counted, per client address: past
 * `failuresPerWindow` in a window, that address's failures answer 429 until the window ends, which
 * slows guessing; a valid key is let through whatever its address's count, so that the clients of
 * a shared address (a proxy, a NAT) are not locked out by the others' failures.
 * Needs @fastify/rate-limit registered in the scope (its store counts the failures).
 */
async function authenticate(app: FastifyInstance, { findPrincipal, failuresPerWindow, windowMs }: AuthenticateOptions) {
  app.decorateRequest('principal', null as never)
  await app.register(bearerAuth, {
    addHook: false,
    keys: [],
    // The scheme's name in any case, as RFC 7235 has it.
    specCompliance: 'rfc6749',
    // Fastify logs every 401 response already.
    verifyErrorLogLevel: 'debug',
    async auth(key, request) {
      const principal = isWellFormedApiKey(key) ? await findPrincipal(key) : undefined
      if (principal) request.principal = principal
      return principal !== undefined
    },
  })
  const verify = (request: FastifyRequest, reply: FastifyReply) =>
    new Promise<void>((resolve, reject) =>
      app.verifyBearerAuth!(request, reply, (error) => (error ? reject(error) : resolve())),
    )
  const failures = app.createRateLimit({
    keyGenerator: (request) => failureGroup(request.ip),
    max: failuresPerWindow,
    timeWindow: windowMs,
  })

  app.addHook('onRequest', async (request, reply) => {
    try {
      await verify(request, reply)
    } catch (error) {
      // Anything but a refusal (the database is down, say) is the server's error, not the client's.
      if (reply.statusCode !== 401) throw error
      const counted = await failures(request)
      if (!counted.isAllowed && counted.isExceeded) {
        reply
          .header('retry-after', counted.ttlInSeconds)
          .header('x-ratelimit-limit', counted.max)
          .header('x-ratelimit-remaining', 0)
          .header('x-ratelimit-reset', counted.ttlInSeconds)
        return reply.code(429).send({
          statusCode: 429,
          error: 'Too Many Requests',
          message: `too many failed authentications from this address: retry in ${counted.ttlInSeconds} s`,
        })
      }
      const code = (error as { code?: string }).code ?? ''
      reply.header(
        'www-authenticate',
        code.endsWith('MISSING_AUTHORIZATION_HEADER') ? 'Bearer' : 'Bearer error="invalid_token"',
      )
      return reply.send({ statusCode: 401, error: 'Unauthorized', message: MESSAGES[code] ?? 'unauthorized' })
    }
  })
}

export default fp(authenticate, { name: 'authenticate', dependencies: ['@fastify/rate-limit'] })

/** The OpenAPI security requirement of a route behind `authenticate` (the scheme is declared in app.ts). */
export const API_KEY_SCHEME = 'apiKey'
export const REQUIRES_API_KEY = [{ [API_KEY_SCHEME]: [] }]
