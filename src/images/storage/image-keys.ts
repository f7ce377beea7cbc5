import { createHash } from 'node:crypto'
import { extensionOf, type EncodeOptions } from '../compress.ts'

/**
 * A file's name inside its product's folder: `<source>[.<tag>[.<width>w]].<ext>`, or
 * `<source>.original` for a source kept as downloaded (KEEP_ORIGINALS). The source is 16 hex digits of
 * the SHA-256 of the image's URL (sourceName), so an image keeps its files wherever it moves in
 * product_images; files made before products could change are named by position (digits), and still
 * served. The tag names the encoder settings (encodingTag); names without one are from before variants.
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
  /** The encoder settings' tag (encodingTag); none for a name from before variants. */
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

/** Keys by the product they belong to, each product's in the order given. */
export function keysByProduct(keys: Iterable<string>): Map<number, string[]> {
  const byProduct = new Map<number, string[]>()
  for (const key of keys) {
    const productId = productOfKey(key)
    const ofProduct = byProduct.get(productId) ?? []
    ofProduct.push(key)
    byProduct.set(productId, ofProduct)
  }
  return byProduct
}

/** The key inside a recorded location, local path or S3 URI alike: its last two segments. */
export const keyOfLocation = (location: string): string => location.split(/[\\/]/).slice(-2).join('/')

/**
 * Eight hex digits that change whenever the encoder settings do. They are part of every file's
 * name, so a file's name says how it was made: a changed setting gives new names (caches may keep
 * a URL for good), and a file found under the current names was made with the current settings.
 */
export function encodingTag({ format, quality, maxSide, effort }: EncodeOptions): string {
  const settings = { format, quality, maxSide, effort: format === 'webp' ? effort : undefined }
  return createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 8)
}

/** The key of an image's main file (no width) or of its variant `width` wide, under the current settings. */
export type ImageNames = (width?: number) => string

export function imageNames(productId: number, url: string, options: EncodeOptions): ImageNames {
  const tag = encodingTag(options)
  const extension = extensionOf(options.format)
  const source = sourceName(url)
  return (width) => imageKey({ productId, source, extension, tag, width })
}
