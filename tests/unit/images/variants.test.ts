import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/config.ts'
import { compressOptions } from '../../../src/images/compress.ts'
import { isImageKey } from '../../../src/images/storage/image-store.ts'
import { encodingTag, imageNames, parseWidths, variantWidthsFor } from '../../../src/images/variants.ts'

const defaults = compressOptions(loadConfig({}))

describe('parseWidths', () => {
  it('reads IMAGE_VARIANT_WIDTHS narrowest first, without repeats', () => {
    expect(parseWidths('1280,256,640,256')).toEqual([256, 640, 1280])
  })

  it('is empty for an empty value: variants off', () => {
    expect(parseWidths('')).toEqual([])
  })
})

describe('variantWidthsFor', () => {
  const widths = [256, 640, 1280]

  it('keeps only widths narrower than the main image', () => {
    expect(variantWidthsFor(2048, widths)).toEqual([256, 640, 1280])
    expect(variantWidthsFor(1000, widths)).toEqual([256, 640])
  })

  it('never makes a copy of the main width or an upscale', () => {
    expect(variantWidthsFor(640, widths)).toEqual([256])
    expect(variantWidthsFor(200, widths)).toEqual([])
  })
})

describe('encodingTag', () => {
  const tag = encodingTag(defaults)

  it('is eight hex digits, the same for the same settings', () => {
    expect(tag).toMatch(/^[0-9a-f]{8}$/)
    expect(encodingTag({ ...defaults })).toBe(tag)
  })

  it('changes with every setting that changes the bytes', () => {
    const changed = [{ quality: 70 }, { maxSide: 1024 }, { effort: 4 }, { format: 'avif' as const }].map((change) =>
      encodingTag({ ...defaults, ...change }),
    )
    expect(new Set([tag, ...changed]).size).toBe(5)
  })

  it('ignores the WebP effort for other formats', () => {
    expect(encodingTag({ ...defaults, format: 'jpeg', effort: 2 })).toBe(
      encodingTag({ ...defaults, format: 'jpeg', effort: 6 }),
    )
  })
})

describe('imageNames', () => {
  it('names the main file and each variant of an image by product, position, settings and width', () => {
    const names = imageNames(42, 3, defaults)
    const tag = encodingTag(defaults)
    expect(names()).toBe(`42/3.${tag}.webp`)
    expect(names(640)).toBe(`42/3.${tag}.640w.webp`)
    expect(imageNames(42, 3, { ...defaults, format: 'jpeg' })(256)).toMatch(/^42\/3\.[0-9a-f]{8}\.256w\.jpg$/)
  })

  it('gives keys the store accepts and serves', () => {
    const names = imageNames(1, 0, defaults)
    expect([names(), names(256)].every(isImageKey)).toBe(true)
  })
})
