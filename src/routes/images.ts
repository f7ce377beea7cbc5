import type { FastifyPluginAsync } from 'fastify'
import { isImageKey } from '../images/storage/image-keys.ts'
import { IMMUTABLE, type ImageStore } from '../images/storage/image-store.ts'

/** Where the API serves compressed images, main files and variants alike: `/images/<key>`, whatever the store. */
export const IMAGES_PREFIX = '/images/'

/** Whether `If-None-Match` names this ETag (the weak comparison RFC 9110 asks for on GET). */
function hasCopy(ifNoneMatch: string | undefined, etag: string | undefined): boolean {
  if (!ifNoneMatch || !etag) return false
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '')
  return ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((tag) => opaque(tag) === opaque(etag))
}

/**
 * Image keys only, read through the store: from local disk (never through a symlink, see
 * local-store.ts) or streamed from a bucket, so the bucket stays private and a URL never changes or
 * expires. Anything else below IMAGES_DIR (dotfiles, temporary files of writes) is a 404.
 */
const images: FastifyPluginAsync<{ store: ImageStore }> = async (app, { store }) => {
  app.get<{ Params: { productId: string; file: string } }>(
    `${IMAGES_PREFIX}:productId/:file`,
    async (request, reply) => {
      const key = `${request.params.productId}/${request.params.file}`
      const image = isImageKey(key) ? await store.get(key) : undefined
      if (!image) return reply.callNotFound()
      reply.header('cache-control', IMMUTABLE)
      if (image.etag) reply.header('etag', image.etag)
      if (hasCopy(request.headers['if-none-match'], image.etag)) {
        image.body.destroy()
        return reply.code(304).send()
      }
      return reply.type(image.contentType).header('content-length', image.contentLength).send(image.body)
    },
  )
}

export default images
