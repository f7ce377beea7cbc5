import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'

/**
 * Where compressed images live. Keys are deterministic (variants.ts names them): the same product,
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

/**
 * A file's name inside its product's folder: `<source>[.<tag>[.<width>w]].<ext>`, or
 * `<source>.original` for a source kept as downloaded (KEEP_ORIGINALS). The source is 16 hex digits of
 * the SHA-256 of the image's URL (sourceName), so an image keeps its files wherever it moves in
 * product_images; files made before products could change are named by position (digits), and still
 * served. The tag names the encoder settings (variants.ts); names without one are from before variants.
 */
const OUTPUT_NAME = String.raw`(?:\d+|[0-9a-f]{16})(?:\.[0-9a-f]{8}(?:\.[1-9]\d*w)?)?\.(?:webp|jpg|avif)`
const ORIGINAL_NAME = String.raw`[0-9a-f]{16}\.original`
export const FILE_NAME = `(?:${OUTPUT_NAME}|${ORIGINAL_NAME})`
const KEY = new RegExp(String.raw`^[1-9]\d*/${FILE_NAME}$`)
const SERVED_KEY = new RegExp(String.raw`^[1-9]\d*/${OUTPUT_NAME}$`)

/** The name an image's files share in its product's folder: the same URL, the same name. */
export const sourceName = (url: string): string => createHash('sha256').update(url).digest('hex').slice(0, 16)

export interface ImageKeyParts {
  productId: number
  /** The image's sourceName (or, in names from before products could change, its position). */
  source: string
  extension: string
  /** The encoder settings' tag (variants.ts); none for a name from before variants. */
  tag?: string
  /** A variant's width; none for the main file. */
  width?: number
}

/** Same product, source, settings tag and width: same key. */
export function imageKey({ productId, source, extension, tag, width }: ImageKeyParts): string {
  const parts = [source, tag, width === undefined ? undefined : `${width}w`, extension].filter(
    (part) => part !== undefined,
  )
  return checkedKey(`${productId}/${parts.join('.')}`)
}

/** Where the source of the image at `url` is kept as downloaded, with KEEP_ORIGINALS. */
export const originalKey = (productId: number, url: string): string =>
  checkedKey(`${productId}/${sourceName(url)}.original`)

/** Refuses anything but our own key shape (no `..`, no absolute paths, nothing outside a product). */
export function checkedKey(key: string): string {
  if (!KEY.test(key)) throw new Error(`not an image key: ${JSON.stringify(key)}`)
  return key
}

/** A key of ours: a compressed image, a variant or a kept original. */
export const isStoredKey = (key: string): boolean => KEY.test(key)

/** A key `/images/` serves: a compressed image or variant, never a kept original. */
export const isImageKey = (key: string): boolean => SERVED_KEY.test(key)

/** The product a stored key belongs to: its first segment. */
export const productOfKey = (key: string): number => Number(key.slice(0, key.indexOf('/')))

/** The key inside a recorded location, local path or S3 URI alike: its last two segments. */
export const keyOfLocation = (location: string): string => location.split(/[\\/]/).slice(-2).join('/')

/** The media type of an image key, from its extension (`jpg` is JPEG). */
export const contentTypeOf = (key: string): string => {
  const extension = key.slice(key.lastIndexOf('.') + 1)
  return `image/${extension === 'jpg' ? 'jpeg' : extension}`
}
