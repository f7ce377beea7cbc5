import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/config.ts'
import { compressOptions } from '../../../src/images/compress.ts'
import { checkedKey, isImageKey, originalKey, sourceName } from '../../../src/images/storage/image-store.ts'
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
  const url = 'https://shop.example/chair.jpg'

  it('names the main file and each variant of an image by product, source URL, settings and width', () => {
    const names = imageNames(42, url, defaults)
    const tag = encodingTag(defaults)
    const source = sourceName(url)
    expect(source).toMatch(/^[0-9a-f]{16}$/)
    expect(names()).toBe(`42/${source}.${tag}.webp`)
    expect(names(640)).toBe(`42/${source}.${tag}.640w.webp`)
    expect(imageNames(42, url, { ...defaults, format: 'jpeg' })(256)).toMatch(
      /^42\/[0-9a-f]{16}\.[0-9a-f]{8}\.256w\.jpg$/,
    )
  })

  it('gives the same URL the same names, another URL others: a moved image keeps its files', () => {
    expect(imageNames(42, url, defaults)()).toBe(imageNames(42, url, defaults)())
    expect(imageNames(42, `${url}?v=2`, defaults)()).not.toBe(imageNames(42, url, defaults)())
    expect(imageNames(43, url, defaults)()).not.toBe(imageNames(42, url, defaults)())
  })

  it('gives keys the store accepts and serves', () => {
    const names = imageNames(1, url, defaults)
    expect([names(), names(256)].every(isImageKey)).toBe(true)
  })

  it('keeps an original under a key the store accepts but /images/ does not serve', () => {
    const key = originalKey(1, url)
    expect(key).toBe(`1/${sourceName(url)}.original`)
    expect(checkedKey(key)).toBe(key)
    expect(isImageKey(key)).toBe(false)
  })

  it('still serves names from before products could change: by position', () => {
    expect(isImageKey('7/0.webp')).toBe(true)
    expect(isImageKey('7/3.1a2b3c4d.640w.webp')).toBe(true)
  })
})
