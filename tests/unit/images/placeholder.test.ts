import sharp from 'sharp'
import { thumbHashToApproximateAspectRatio, thumbHashToRGBA } from 'thumbhash'
import { describe, expect, it } from 'vitest'
import { pixelsOf } from '../../../src/images/compress.ts'
import { opaqueRgb, placeholderOf } from '../../../src/images/placeholder.ts'

const solid = (width: number, height: number, background: string) =>
  pixelsOf(sharp({ create: { width, height, channels: 3, background } }))
const decode = (thumbhash: string) => Buffer.from(thumbhash, 'base64')

describe('placeholderOf', () => {
  it('is a short ThumbHash that decodes to about the aspect ratio of the image', async () => {
    for (const [width, height] of [
      [1600, 400],
      [300, 900],
      [64, 64],
    ] as const) {
      const { thumbhash } = await placeholderOf(await solid(width, height, '#3366cc'))
      expect(decode(thumbhash).length).toBeLessThanOrEqual(30)
      // ThumbHash keeps the ratio approximately (layout takes the exact width and height).
      expect(Math.abs(Math.log(thumbHashToApproximateAspectRatio(decode(thumbhash)) / (width / height)))).toBeLessThan(
        Math.log(1.2),
      )
    }
  })

  it('gives the dominant colour as #rrggbb', async () => {
    const { dominant_color: dominantColor } = await placeholderOf(await solid(400, 300, '#c83c28'))
    expect(dominantColor).toMatch(/^#[0-9a-f]{6}$/)
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(dominantColor.slice(i, i + 2), 16))
    // sharp's dominant colour is the centre of a histogram bin: close, not exact.
    expect(Math.abs(r! - 0xc8) + Math.abs(g! - 0x3c) + Math.abs(b! - 0x28)).toBeLessThan(48)
  })

  it("keeps a cut-out's transparency, and takes its colour from the opaque pixels only", async () => {
    // A red square in the middle of a transparent canvas three times its size.
    const square = await sharp({ create: { width: 100, height: 100, channels: 4, background: '#ff0000' } })
      .png()
      .toBuffer()
    const cutOut = sharp({
      create: { width: 300, height: 300, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    }).composite([{ input: square }])
    const { thumbhash, dominant_color: dominantColor } = await placeholderOf(await pixelsOf(cutOut))
    const preview = thumbHashToRGBA(decode(thumbhash))
    const alphas = preview.rgba.filter((_, i) => i % 4 === 3)
    expect(Math.min(...alphas)).toBeLessThan(128)
    expect(Math.max(...alphas)).toBeGreaterThan(128)
    expect(parseInt(dominantColor.slice(1, 3), 16)).toBeGreaterThan(200)
    expect(parseInt(dominantColor.slice(3, 5), 16)).toBeLessThan(48)
  })
})

describe('opaqueRgb', () => {
  it('keeps the colour of pixels at least half opaque', () => {
    const rgba = Buffer.from([1, 2, 3, 255, 4, 5, 6, 0, 7, 8, 9, 128])
    expect([...opaqueRgb(rgba)]).toEqual([1, 2, 3, 7, 8, 9])
    expect([...opaqueRgb(rgba, 0)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
  })
})
