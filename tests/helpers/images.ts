import sharp from 'sharp'
import { decode, encode, type CompressOptions, type Compressed } from '../../src/images/compress.ts'

/**
 * A photo-like JPEG: gradients and soft shapes plus sensor noise, blurred slightly as a lens and
 * demosaicing would. Pure per-pixel noise would compress unlike any real photo.
 */
export async function photoJpeg(width: number, height: number, quality = 92, noise = 16): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3
      const shape = Math.sin(x / 37) * 40 + Math.cos(y / 23) * 40
      const grain = (Math.random() - 0.5) * noise
      pixels[i] = (x / width) * 200 + shape + grain
      pixels[i + 1] = (y / height) * 200 - shape + grain
      pixels[i + 2] = ((x + y) / (width + height)) * 255 + grain
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .blur(1.2)
    .jpeg({ quality })
    .toBuffer()
}

/** A main image as the worker makes it (process-image.ts): decoded, with its checks and limits, then encoded. */
export async function mainImage(input: Buffer, options: CompressOptions): Promise<Compressed> {
  return encode(await decode(input, options), options)
}
