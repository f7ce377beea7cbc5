// How close a compressed image is to what it should show: SSIM (ssim.js, on luma, full size, no
// downsampling) and PSNR over RGB, both against a colour-managed, lossless downscale of the
// reference to the output's size (upright, sRGB, alpha flattened onto grey so edges count).
import sharp from 'sharp'
import { ssim } from 'ssim.js'

export interface Fidelity {
  ssim: number
  /** dB over the three colour channels: a profile left unconverted shows here first. */
  psnr: number
}

const GREY = { r: 128, g: 128, b: 128 }

async function rgba(image: Buffer, width?: number, height?: number) {
  let pipeline = sharp(image).rotate()
  if (width && height) pipeline = pipeline.resize(width, height, { fit: 'fill' })
  const { data, info } = await pipeline
    .flatten({ background: GREY })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  return {
    data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  }
}

function psnr(a: Uint8ClampedArray, b: Uint8ClampedArray): number {
  let squared = 0
  let count = 0
  for (let i = 0; i < a.length; i++) {
    if (i % 4 === 3) continue
    squared += (a[i]! - b[i]!) ** 2
    count++
  }
  return squared === 0 ? Infinity : 10 * Math.log10((255 * 255) / (squared / count))
}

/** `output` (as stored) against `reference` (the original, any orientation or profile). */
export async function fidelity(output: Buffer, reference: Buffer): Promise<Fidelity> {
  const out = await rgba(output)
  const ref = await rgba(reference, out.width, out.height)
  return { ssim: ssim(out, ref, { downsample: false }).mssim, psnr: psnr(out.data, ref.data) }
}
