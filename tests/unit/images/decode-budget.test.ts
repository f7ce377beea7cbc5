import { describe, expect, it } from 'vitest'
import { admitAll, decodeBudget } from '../../../src/images/decode-budget.ts'

const MP = 1_000_000

/**
 * Starts decodes of these sizes (megapixels) at once under a budget; returns the most megapixels that were decoding
 * together.
 */
async function peakPixels(budget: number, sizes: number[]): Promise<{ peak: number; order: number[] }> {
  const admit = decodeBudget(budget * MP)
  let decoding = 0
  let peak = 0
  const order: number[] = []
  await Promise.all(
    sizes.map((pixels, n) =>
      admit(pixels * MP, async () => {
        order.push(n)
        decoding += pixels
        peak = Math.max(peak, decoding)
        await new Promise((resolve) => setTimeout(resolve, 20))
        decoding -= pixels
      }),
    ),
  )
  return { peak, order }
}

describe('decodeBudget', () => {
  it('lets small images decode side by side', async () => {
    expect((await peakPixels(24, [4, 4, 4])).peak).toBe(12)
  })

  it('never lets two large images decode at once', async () => {
    expect((await peakPixels(24, [18, 12, 18])).peak).toBe(18)
  })

  it('decodes an image larger than the whole budget alone, instead of never', async () => {
    expect(await peakPixels(24, [50, 4])).toEqual({ peak: 50, order: [0, 1] })
  })

  it('serves waiters in turn: a large image is not overtaken by the small ones behind it', async () => {
    expect((await peakPixels(24, [18, 18, 2, 2])).order).toEqual([0, 1, 2, 3])
  })

  it('counts in whole megapixels, so a tiny image still takes a share', async () => {
    expect((await peakPixels(2, [0.3, 0.3, 0.3])).peak).toBeCloseTo(0.6)
    expect((await peakPixels(2, [1.5, 0.3])).peak).toBe(1.5)
  })

  it('returns what the decode returns and passes its failure on, freeing its share', async () => {
    const admit = decodeBudget(10 * MP)
    await expect(admit(10 * MP, async () => Promise.reject(new Error('corrupt')))).rejects.toThrow('corrupt')
    expect(await admit(10 * MP, async () => 'pixels')).toBe('pixels')
    expect(await admitAll(10, async () => 'unbounded')).toBe('unbounded')
  })
})
