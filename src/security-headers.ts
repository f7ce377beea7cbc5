import helmet from '@fastify/helmet'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { IMAGES_PREFIX } from './routes/images.ts'

/**
 * Helmet's headers on every answer, errors and 404s included: `X-Content-Type-Options: nosniff`,
 * `X-Frame-Options`, `Referrer-Policy`... and its default content security policy, under which
 * Swagger UI at /docs works (the page loads its scripts and styles from /docs/static only), with
 * two changes. No `upgrade-insecure-requests`: the API listens on plain HTTP and may be reached
 * so, where a browser would send /docs's own requests to https. And images are served with
 * `Cross-Origin-Resource-Policy: cross-origin`, so other sites can embed them, as from a CDN;
 * everything else stays `same-origin`.
 */
async function securityHeaders(app: FastifyInstance) {
  await app.register(helmet, {
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    crossOriginResourcePolicy: false,
  })
  app.addHook('onRequest', async (request, reply) => {
    reply.header('cross-origin-resource-policy', request.url.startsWith(IMAGES_PREFIX) ? 'cross-origin' : 'same-origin')
  })
}

export default fp(securityHeaders, { name: 'security-headers' })
