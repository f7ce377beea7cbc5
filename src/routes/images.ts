import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync } from 'fastify'
import { mkdir } from 'node:fs/promises'
import { IMMUTABLE, isImageKey, type ImageStore } from '../images/storage/image-store.ts'
import type { LocalStore } from '../images/storage/local-store.ts'

/** Where the API serves compressed images, main files and variants alike: `/images/<key>`, whatever the store. */
export const IMAGES_PREFIX = '/images/'

const isLocal = (store: ImageStore): store is LocalStore => 'directory' in store

/**
 * From local disk with @fastify/static (confined to the directory, with ETag and ranges); from a
 * bucket by streaming the object, so the bucket stays private and a URL never changes or expires.
 */
const images: FastifyPluginAsync<{ store: ImageStore }> = async (app, { store }) => {
  if (isLocal(store)) {
    await mkdir(store.directory, { recursive: true })
    await app.register(fastifyStatic, { root: store.directory, prefix: IMAGES_PREFIX, decorateReply: false, maxAge: '365d', immutable: true })
    return
  }
  app.get<{ Params: { productId: string; file: string } }>(`${IMAGES_PREFIX}:productId/:file`, async (request, reply) => {
    const key = `${request.params.productId}/${request.params.file}`
    const image = isImageKey(key) ? await store.get(key) : undefined
    if (!image) return reply.callNotFound()
    return reply.type(image.contentType).header('content-length', image.contentLength).header('cache-control', IMMUTABLE).send(image.body)
  })
}

export default images
