import bearerAuth from '@fastify/bearer-auth'
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
  /** Failed authentications one client address may make in a window before it is refused outright. */
  failuresPerWindow: number
  windowMs: number
}

const MESSAGES: Record<string, string> = {
  FST_BEARER_AUTH_MISSING_AUTHORIZATION_HEADER: 'this route needs an API key: send "Authorization: Bearer <key>"',
  FST_BEARER_AUTH_INVALID_AUTHORIZATION_HEADER: 'the Authorization header holds no valid API key (unknown, revoked or malformed, or not the Bearer scheme)',
}

/**
 * Requires `Authorization: Bearer <API key>` on every route of the scope it is registered in and
 * puts the key's owner on `request.principal`. Runs on request, before the body is read. Refusals
 * answer 401 with `WWW-Authenticate: Bearer`. A client address that failed too often in a window
 * is refused with 429 until the window ends, whatever key it sends: that is what slows guessing.
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
    new Promise<void>((resolve, reject) => app.verifyBearerAuth!(request, reply, (error) => (error ? reject(error) : resolve())))
  const failures = app.createRateLimit({ keyGenerator: (request) => `auth-failures:${request.ip}`, max: failuresPerWindow, timeWindow: windowMs })

  app.addHook('onRequest', async (request, reply) => {
    const before = await failures(request, { increment: false })
    if (!before.isAllowed && before.remaining === 0) {
      reply.header('retry-after', before.ttlInSeconds).header('x-ratelimit-limit', before.max).header('x-ratelimit-remaining', 0).header('x-ratelimit-reset', before.ttlInSeconds)
      return reply.code(429).send({ statusCode: 429, error: 'Too Many Requests', message: `too many failed authentications from this address: retry in ${before.ttlInSeconds} s` })
    }
    try {
      await verify(request, reply)
    } catch (error) {
      // Anything but a refusal (the database is down, say) is the server's error, not the client's.
      if (reply.statusCode !== 401) throw error
      await failures(request)
      const code = (error as { code?: string }).code ?? ''
      reply.header('www-authenticate', code.endsWith('MISSING_AUTHORIZATION_HEADER') ? 'Bearer' : 'Bearer error="invalid_token"')
      return reply.send({ statusCode: 401, error: 'Unauthorized', message: MESSAGES[code] ?? 'unauthorized' })
    }
  })
}

export default fp(authenticate, { name: 'authenticate', dependencies: ['@fastify/rate-limit'] })

/** The OpenAPI security requirement of a route behind `authenticate` (the scheme is declared in app.ts). */
export const API_KEY_SCHEME = 'apiKey'
export const REQUIRES_API_KEY = [{ [API_KEY_SCHEME]: [] }]
