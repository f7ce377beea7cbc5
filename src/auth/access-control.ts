import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Db } from '../db/client.ts'
import authenticate from './authenticate.ts'
import { principalCache } from './principal-cache.ts'
import limitRequests, { type RateLimitOptions } from './rate-limit.ts'

export interface AccessSettings extends RateLimitOptions {
  /** Failed authentications one client address may make in a window. */
  authFailuresPerWindow: number
}

/**
 * What every route of the scope it is registered in needs before it runs: an API key (whose
 * owner becomes `request.principal`), and the rate limits per key and per failing address.
 */
async function accessControl(app: FastifyInstance, { db, access }: { db: Db; access: AccessSettings }) {
  await app.register(limitRequests, access)
  await app.register(authenticate, {
    findPrincipal: principalCache(db),
    failuresPerWindow: access.authFailuresPerWindow,
    windowMs: access.windowMs,
  })
}

export default fp(accessControl, { name: 'access-control' })
