import { createHash } from 'node:crypto'
import { extensionOf, type EncodeOptions } from './compress.ts'
import { imageKey, sourceName } from './storage/image-store.ts'

/** IMAGE_VARIANT_WIDTHS as numbers, ascending, without repeats; an empty list turns variants off. */
export const parseWidths = (list: string): number[] =>
  [...new Set(list.split(',').filter(Boolean).map(Number))].sort((a, b) => a - b)

/** The variants of a main image `mainWidth` wide: only narrower widths, so none is an upscale or a copy. */
export const variantWidthsFor = (mainWidth: number, widths: readonly number[]): number[] =>
  widths.filter((width) => width < mainWidth)

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
