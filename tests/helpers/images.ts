import sharp from 'sharp'

/** A photo-like JPEG: smooth gradients plus sensor-like noise, which compresses like a real photo. */
export async function photoJpeg(width: number, height: number, quality = 92): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3
      const noise = (Math.random() - 0.5) * 24
      pixels[i] = (x / width) * 255 + noise
      pixels[i + 1] = (y / height) * 255 + noise
      pixels[i + 2] = ((x + y) / (width + height)) * 255 + noise
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality }).toBuffer()
}
