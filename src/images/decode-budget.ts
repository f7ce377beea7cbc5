import { budget } from './budget.ts'

/** Runs `decode` once the source's pixels fit in what is left of the budget. */
export type AdmitDecode = <T>(pixels: number, decode: () => Promise<T>) => Promise<T>

/**
 * Bounds the source pixels a worker decodes at once (IMAGE_DECODE_PIXELS). Decoding holds memory
 * in proportion to the source, not the output (a progressive 17.9 MP JPEG holds libjpeg's
 * coefficients for the whole frame while it decodes: bench/memory.bench.ts), so two large photos
 * at once, not the number of images, set the peak. Small images still decode side by side; one
 * larger than the whole budget decodes alone.
 */
export function decodeBudget(maxPixels: number): AdmitDecode {
  const pixels = budget(maxPixels, 1_000_000)
  return async (amount, decode) => {
    const release = await pixels.reserve(amount)
    try {
      return await decode()
    } finally {
      release()
    }
  }
}

/** No bound: for callers that decode one image at a time anyway. */
export const admitAll: AdmitDecode = (_pixels, decode) => decode()
