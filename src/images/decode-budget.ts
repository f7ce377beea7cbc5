import { Semaphore } from 'async-mutex'

/** Runs `decode` once the source's pixels fit in what is left of the budget. */
export type AdmitDecode = <T>(pixels: number, decode: () => Promise<T>) => Promise<T>

/**
 * Bounds the source pixels a worker decodes at once (IMAGE_DECODE_PIXELS). Decoding holds memory
 * in proportion to the source, not the output (a progressive JPEG holds libjpeg's coefficients for
 * the whole frame while it decodes: bench/memory.bench.ts), so two large photos at once, not the
 * number of images, set the peak. Small images still decode side by side; one larger than the
 * whole budget decodes alone. Waiters are served in turn, so a large image is not starved by small
 * ones.
 */
export function decodeBudget(maxPixels: number): AdmitDecode {
  // Counted in whole megapixels: async-mutex's semaphore spends time in proportion to the count,
  // which counted in single pixels added a visible wait to every decode.
  const budget = megapixels(maxPixels)
  const semaphore = new Semaphore(budget)
  return (pixels, decode) => semaphore.runExclusive(decode, Math.min(megapixels(pixels), budget))
}

const megapixels = (pixels: number): number => Math.max(1, Math.ceil(pixels / 1_000_000))

/** No bound: for callers that decode one image at a time anyway. */
export const admitAll: AdmitDecode = (_pixels, decode) => decode()
