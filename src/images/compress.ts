import sharp, { type AvifOptions, type JpegOptions, type Metadata, type WebpOptions } from 'sharp'
import type { Config } from '../config.ts'
import { PermanentImageError, type ReasonCode } from './errors.ts'

export type OutputFormat = 'webp' | 'jpeg' | 'avif'

export interface EncodeOptions {
  format: OutputFormat
  quality: number
  /** Longest side of the output; smaller images are never enlarged. */
  maxSide: number
  /** WebP encoder effort (CPU for bytes), 0–6; libwebp's default (4) when absent. Other formats ignore it. */
  effort?: number
}

export interface CompressOptions extends EncodeOptions {
  /** Larger inputs (width × height of one frame) are refused before any pixel is decoded. */
  maxInputPixels: number
  /** Input formats accepted, as sniffed from the bytes: sharp's names, with `avif` for AV1 HEIF. */
  allowedFormats: readonly string[]
}

export function compressOptions(config: Config): CompressOptions {
  return {
    format: config.IMAGE_FORMAT,
    quality: config.IMAGE_QUALITY,
    maxSide: config.IMAGE_MAX_SIDE,
    effort: config.IMAGE_EFFORT,
    maxInputPixels: config.IMAGE_MAX_INPUT_PIXELS,
    allowedFormats: config.IMAGE_ALLOWED_FORMATS.split(','),
  }
}

export interface Compressed {
  data: Buffer
  width: number
  height: number
}

export const extensionOf = (format: OutputFormat): string => (format === 'jpeg' ? 'jpg' : format)

/** Encoder settings per format: mozjpeg for JPEG, IMAGE_EFFORT for WebP, AVIF's defaults (measured in bench/). */
export function encoderOptions({ format, quality, effort }: EncodeOptions): JpegOptions | WebpOptions | AvifOptions {
  if (format === 'jpeg') return { quality, mozjpeg: true }
  return format === 'webp' && effort !== undefined ? { quality, effort } : { quality }
}

/**
 * Auto-rotates from EXIF, caps the longest side and re-encodes. sharp drops EXIF/XMP/ICC
 * metadata unless asked to keep it, so GPS and camera data never reach our disk.
 */
export async function compress(input: Buffer, options: CompressOptions): Promise<Compressed> {
  try {
    checkDecodable(await readHeader(input), options)
    // Only the first frame of an animation is decoded: a product picture, not a thousand of them.
    const { data, info } = await sharp(input, { limitInputPixels: options.maxInputPixels, animated: false })
      .rotate()
      .resize({ width: options.maxSide, height: options.maxSide, fit: 'inside', withoutEnlargement: true })
      .toFormat(options.format, encoderOptions(options))
      .toBuffer({ resolveWithObject: true })
    return { data, width: info.width, height: info.height }
  } catch (error) {
    if (error instanceof PermanentImageError) throw error
    // The input is all there is: decoding the same bytes again fails the same way.
    const message = (error as Error).message
    throw new PermanentImageError(decodeErrorCode(message), message)
  }
}

/** The format and size as the bytes say (never the Content-Type), read from the header alone. */
const readHeader = (input: Buffer) => sharp(input, { limitInputPixels: false }).metadata()

export const inputFormat = ({ format, compression }: Pick<Metadata, 'format' | 'compression'>): string =>
  format === 'heif' ? (compression === 'av1' ? 'avif' : 'heic') : format

export function checkDecodable(header: Pick<Metadata, 'format' | 'compression' | 'width' | 'height'>, options: CompressOptions): void {
  const format = inputFormat(header)
  if (!options.allowedFormats.includes(format)) {
    throw new PermanentImageError('format_not_allowed', `${format} images are not accepted (allowed: ${options.allowedFormats.join(', ')})`)
  }
  const pixels = header.width * header.height
  if (pixels > options.maxInputPixels) {
    throw new PermanentImageError('too_many_pixels', `${header.width}×${header.height} is more than the ${options.maxInputPixels} pixels allowed`)
  }
}

export function decodeErrorCode(sharpMessage: string): ReasonCode {
  if (/unsupported image format/i.test(sharpMessage)) return 'not_an_image'
  if (/pixel limit/i.test(sharpMessage)) return 'too_many_pixels'
  return 'corrupt_image'
}
