import sharp, { type AvifOptions, type JpegOptions, type Metadata, type Sharp, type WebpOptions } from 'sharp'
import type { Config } from '../config.ts'
import { admitAll, type AdmitDecode } from './decode-budget.ts'
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

/**
 * Decoded pixels, upright, in sRGB, no larger than the main image: every file of an image is
 * encoded from them, so a source is decoded once however many widths are written.
 */
export interface Pixels {
  data: Buffer
  width: number
  height: number
  channels: 1 | 2 | 3 | 4
}

export const extensionOf = (format: OutputFormat): string => (format === 'jpeg' ? 'jpg' : format)

/** Encoder settings per format: mozjpeg for JPEG, IMAGE_EFFORT for WebP, AVIF's defaults (measured in bench/). */
export function encoderOptions({ format, quality, effort }: EncodeOptions): JpegOptions | WebpOptions | AvifOptions {
  if (format === 'jpeg') return { quality, mozjpeg: true }
  return format === 'webp' && effort !== undefined ? { quality, effort } : { quality }
}

/**
 * Auto-rotates from EXIF, converts to sRGB and caps the longest side. sharp drops EXIF/XMP/ICC
 * metadata unless asked to keep it, so GPS and camera data never reach our disk. Whatever the
 * bytes are, a failure here is the image's fault: a PermanentImageError with a reason.
 */
export async function decode(input: Buffer, options: CompressOptions, admit: AdmitDecode = admitAll): Promise<Pixels> {
  try {
    const header = await readHeader(input)
    checkDecodable(header, options)
    // Only the first frame of an animation is decoded: a product picture, not a thousand of them.
    const image = sharp(input, { limitInputPixels: options.maxInputPixels, animated: false })
      .rotate()
      .resize({ width: options.maxSide, height: options.maxSide, fit: 'inside', withoutEnlargement: true })
    return await admit(header.width * header.height, () => pixelsOf(image))
  } catch (error) {
    if (error instanceof PermanentImageError) throw error
    // The input is all there is: decoding the same bytes again fails the same way.
    const message = (error as Error).message
    throw new PermanentImageError(decodeErrorCode(message), message)
  }
}

/** Pixels of a file we wrote ourselves (already upright, sRGB and capped), to make its variants. */
export const decodeStored = (file: Buffer): Promise<Pixels> => pixelsOf(sharp(file))

/** The pixels as they are, or scaled to `width` (aspect ratio kept), encoded with the image settings. */
export async function encode(pixels: Pixels, options: EncodeOptions, width?: number): Promise<Compressed> {
  const image = width === undefined ? imageOf(pixels) : imageOf(pixels).resize({ width })
  const { data, info } = await image
    .toFormat(options.format, encoderOptions(options))
    .toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}

/** A sharp pipeline that starts from decoded pixels. */
export const imageOf = ({ data, width, height, channels }: Pixels): Sharp =>
  sharp(data, { raw: { width, height, channels } })

/**
 * What a pipeline outputs, as pixels: 8 bits a channel whatever the source's depth. sharp's raw
 * output after a resize reports `premultiplied: true` but holds straight alpha, so that flag is
 * not passed back in (imageOf).
 */
export async function pixelsOf(image: Sharp): Promise<Pixels> {
  const { data, info } = await image.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height, channels: info.channels }
}

/** The format and size as the bytes say (never the Content-Type), read from the header alone. */
const readHeader = (input: Buffer) => sharp(input, { limitInputPixels: false }).metadata()

export const inputFormat = ({ format, compression }: Pick<Metadata, 'format' | 'compression'>): string =>
  format === 'heif' ? (compression === 'av1' ? 'avif' : 'heic') : format

export function checkDecodable(
  header: Pick<Metadata, 'format' | 'compression' | 'width' | 'height'>,
  options: CompressOptions,
): void {
  const format = inputFormat(header)
  if (!options.allowedFormats.includes(format)) {
    throw new PermanentImageError(
      'format_not_allowed',
      `${format} images are not accepted (allowed: ${options.allowedFormats.join(', ')})`,
    )
  }
  const pixels = header.width * header.height
  if (pixels > options.maxInputPixels) {
    throw new PermanentImageError(
      'too_many_pixels',
      `${header.width}×${header.height} is more than the ${options.maxInputPixels} pixels allowed`,
    )
  }
}

export function decodeErrorCode(sharpMessage: string): ReasonCode {
  if (/unsupported image format/i.test(sharpMessage)) return 'not_an_image'
  if (/pixel limit/i.test(sharpMessage)) return 'too_many_pixels'
  return 'corrupt_image'
}
