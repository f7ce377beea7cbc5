import sharp, { type AvifOptions, type JpegOptions, type WebpOptions } from 'sharp'
import { PermanentImageError } from './errors.ts'

export type OutputFormat = 'webp' | 'jpeg' | 'avif'

export interface CompressOptions {
  format: OutputFormat
  quality: number
  /** Longest side of the output; smaller images are never enlarged. */
  maxSide: number
}

export interface Compressed {
  data: Buffer
  width: number
  height: number
}

export const extensionOf = (format: OutputFormat): string => (format === 'jpeg' ? 'jpg' : format)

/** Encoder settings per format: mozjpeg for JPEG, default effort elsewhere (measured in bench/). */
export function encoderOptions({ format, quality }: CompressOptions): JpegOptions | WebpOptions | AvifOptions {
  if (format === 'jpeg') return { quality, mozjpeg: true }
  return { quality }
}

/**
 * Auto-rotates from EXIF, caps the longest side and re-encodes. sharp drops EXIF/XMP/ICC
 * metadata unless asked to keep it, so GPS and camera data never reach our disk.
 */
export async function compress(input: Buffer, options: CompressOptions): Promise<Compressed> {
  try {
    const { data, info } = await sharp(input)
      .rotate()
      .resize({ width: options.maxSide, height: options.maxSide, fit: 'inside', withoutEnlargement: true })
      .toFormat(options.format, encoderOptions(options))
      .toBuffer({ resolveWithObject: true })
    return { data, width: info.width, height: info.height }
  } catch (error) {
    // The input is all there is: decoding the same bytes again fails the same way.
    const message = (error as Error).message
    throw new PermanentImageError(decodeErrorCode(message), message)
  }
}

export function decodeErrorCode(sharpMessage: string): string {
  if (/unsupported image format/i.test(sharpMessage)) return 'not_an_image'
  if (/pixel limit/i.test(sharpMessage)) return 'too_many_pixels'
  return 'corrupt_image'
}
