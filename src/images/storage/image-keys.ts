import { createHash } from 'node:crypto'
import { extensionOf, type EncodeOptions } from '../compress.ts'

/**
 * A file's name inside its product's folder: `<index>[.<tag>[.<width>w]].<ext>`. The tag names the
 * encoder settings (encodingTag); names without one are from before variants, and still served.
 */
export const FILE_NAME = String.raw`\d+(?:\.[0-9a-f]{8}(?:\.[1-9]\d*w)?)?\.[a-z]+`
const KEY = new RegExp(String.raw`^[1-9]\d*/${FILE_NAME}$`)

export interface ImageKeyParts {
  productId: number
  /** The image's position in product_images. */
  index: number
  extension: string
  /** The encoder settings' tag (encodingTag); none for a name from before variants. */
  tag?: string
  /** A variant's width; none for the main file. */
  width?: number
}

/** Same product, position, settings tag and width: same key. */
export function imageKey({ productId, index, extension, tag, width }: ImageKeyParts): string {
  const parts = [index, tag, width === undefined ? undefined : `${width}w`, extension].filter(
    (part) => part !== undefined,
  )
  return checkedKey(`${productId}/${parts.join('.')}`)
}

/** Refuses anything but our own key shape (no `..`, no absolute paths, nothing outside a product). */
export function checkedKey(key: string): string {
  if (!KEY.test(key)) throw new Error(`not an image key: ${JSON.stringify(key)}`)
  return key
}

export const isImageKey = (key: string): boolean => KEY.test(key)

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

export function imageNames(productId: number, index: number, options: EncodeOptions): ImageNames {
  const tag = encodingTag(options)
  const extension = extensionOf(options.format)
  return (width) => imageKey({ productId, index, extension, tag, width })
}
