import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { API_KEY_SCHEME } from './auth/authenticate.ts'

/**
 * Our own Ajv keywords (e.g. `imageUrl`) are not OpenAPI: in the document they become `x-`
 * extensions, which OpenAPI allows and client generators ignore. Property names are left alone:
 * a keyword's value is never an object, a property's always is.
 */
export function keywordsAsExtensions(value: unknown, keywords: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((item) => keywordsAsExtensions(item, keywords))
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [
      keywords.has(key) && (child === null || typeof child !== 'object') ? `x-${key}` : key,
      keywordsAsExtensions(child, keywords),
    ]),
  )
}

/**
 * The OpenAPI document of the tagged routes (ours, not /docs or the static files) at /docs/json,
 * and Swagger UI at /docs. `keywords`: the custom Ajv keywords the route schemas use.
 */
async function docs(app: FastifyInstance, { keywords }: { keywords: string[] }) {
  const custom = new Set(keywords)
  await app.register(fastifySwagger, {
    hideUntagged: true,
    openapi: {
      info: {
        title: 'product-image-pipeline',
        version: '1.0.0',
        description: 'Products and their compressed images',
        // npm's word for proprietary: the package is private, licensed to no one else.
        license: { name: 'UNLICENSED' },
      },
      // The API's own origin, whatever host and port it is reached at.
      servers: [{ url: '/', description: 'this server' }],
      components: {
        securitySchemes: {
          [API_KEY_SCHEME]: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key, from `npm run apikey:create`: `Authorization: Bearer pip_…`',
          },
        },
      },
    },
    transformObject: (document) =>
      keywordsAsExtensions(
        'openapiObject' in document ? document.openapiObject : document.swaggerObject,
        custom,
      ) as object,
  })
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' })
}

export default fp(docs, { name: 'docs' })
