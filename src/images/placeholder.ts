import sharp from 'sharp'
import { rgbaToThumbHash } from 'thumbhash'
import { imageOf, pixelsOf, type Pixels } from './compress.ts'

/** What a page shows before an image arrives. */
export interface Placeholder {
  /** ThumbHash, base64: about 25 bytes that decode to a blurred preview with the image's aspect ratio and alpha. */
  thumbhash: string
  /** `#rrggbb`, the most common colour of the image's opaque pixels. */
  dominant_color: string
}

// ThumbHash encodes at most 100×100 pixels; more would add nothing to a hash this small.
const HASH_SIDE = 100

export async function placeholderOf(pixels: Pixels): Promise<Placeholder> {
  const small = imageOf(pixels)
    .resize({ width: HASH_SIDE, height: HASH_SIDE, fit: 'inside', withoutEnlargement: true })
    .ensureAlpha()
  const { data, width, height } = await pixelsOf(small)
  const thumbhash = Buffer.from(rgbaToThumbHash(width, height, data)).toString('base64')
  return { thumbhash, dominant_color: await dominantColor(data) }
}

/** sharp's dominant colour of the opaque pixels: a cut-out's transparent background is not its colour. */
async function dominantColor(rgba: Buffer): Promise<string> {
  const opaque = opaqueRgb(rgba)
  const rgb = opaque.length > 0 ? opaque : opaqueRgb(rgba, 0)
  const { dominant } = await sharp(rgb, { raw: { width: rgb.length / 3, height: 1, channels: 3 } }).stats()
  return `#${[dominant.r, dominant.g, dominant.b].map((c) => c.toString(16).padStart(2, '0')).join('')}`
}

/** The RGB of every pixel at least half opaque (or, with `minAlpha` 0, of every pixel). */
export function opaqueRgb(rgba: Buffer, minAlpha = 128): Buffer {
  const rgb: number[] = []
  for (let i = 0; i < rgba.length; i += 4) if (rgba[i + 3]! >= minAlpha) rgb.push(rgba[i]!, rgba[i + 1]!, rgba[i + 2]!)
  return Buffer.from(rgb)
}
