import type { Readable } from 'node:stream'

/**
 * Where compressed images live. Keys are deterministic (image-keys.ts names them): the same product,
 * position, settings and width always get the same key, so processing a product again overwrites
 * instead of adding images.
 */
export interface ImageStore {
  /** Said in logs: where this store keeps images. */
  readonly description: string
  /** What `compressed_product_images` records for a key: an absolute path, or `s3://<bucket>/<key>`. */
  locationOf(key: string): string
  /** Stores the whole image or nothing: no reader ever sees half of it. */
  put(key: string, data: Buffer): Promise<void>
  /** False only when the store says the image is not there; any other failure is thrown. */
  exists(key: string): Promise<boolean>
  /** The stored image, or undefined when it is not there. */
  get(key: string): Promise<StoredImage | undefined>
  /** Clears what an interrupted `put` of this product left behind, so each image is stored once. */
  removeUnfinished(productId: number): Promise<void>
  /**
   * The key of every file stored for one product, or for all: images, variants, originals, and (on
   * disk) what interrupted writes left. Nothing else in the directory or bucket is listed.
   */
  list(productId?: number): AsyncIterable<string>
  /** Removes these files (keys `list` gives); one already gone is no error. */
  remove(keys: string[]): Promise<void>
  /** Removes every file of a product, and its folder; a product with nothing stored is no error. */
  removeProduct(productId: number): Promise<void>
}

export interface StoredImage {
  body: Readable
  contentType: string
  contentLength: number
  /** Changes when the stored bytes may have: lets a client revalidate its copy with a 304. */
  etag?: string
}

/** A stored image never changes (its key is fixed), so caches may keep it for good. */
export const IMMUTABLE = 'public, max-age=31536000, immutable'

/** The media type of an image key, from its extension (`jpg` is JPEG). */
export const contentTypeOf = (key: string): string => {
  const extension = key.slice(key.lastIndexOf('.') + 1)
  return `image/${extension === 'jpg' ? 'jpeg' : extension}`
}
