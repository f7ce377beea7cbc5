import Fastify, { type FastifyServerOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { loadConfig, type Config } from './config.ts'
import products, { type ProductRoutesOptions } from './routes/products/index.ts'
import { productKeywords } from './routes/products/keywords.ts'
import type { ProductLimits } from './routes/products/schema.ts'

export interface ApiLimits extends ProductLimits {
  bodyLimit: number
}

export const apiLimits = (config: Config): ApiLimits => ({
  maxImages: config.MAX_IMAGES_PER_PRODUCT,
  maxUrlLength: config.MAX_IMAGE_URL_LENGTH,
  bodyLimit: config.API_BODY_LIMIT_BYTES,
})

export type AppDeps = Omit<ProductRoutesOptions, 'limits'> & {
  /** The configuration's defaults when not given. */
  limits?: ApiLimits
}

/** The HTTP application without listen(), so tests can inject requests. */
export async function buildApp({ limits = apiLimits(loadConfig({})), ...deps }: AppDeps, options: FastifyServerOptions = {}) {
  const app = Fastify({
    bodyLimit: limits.bodyLimit,
    ajv: { customOptions: { keywords: productKeywords } },
    ...options,
  }).withTypeProvider<TypeBoxTypeProvider>()
  await app.register(products, { ...deps, limits, prefix: '/products' })
  return app
}
