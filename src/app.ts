import Fastify, { type FastifyServerOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import products, { type ProductRoutesOptions } from './routes/products/index.ts'

export type AppDeps = ProductRoutesOptions

/** The HTTP application without listen(), so tests can inject requests. */
export async function buildApp(deps: AppDeps, options: FastifyServerOptions = {}) {
  const app = Fastify({ bodyLimit: 64 * 1024, ...options }).withTypeProvider<TypeBoxTypeProvider>()
  await app.register(products, { ...deps, prefix: '/products' })
  return app
}
