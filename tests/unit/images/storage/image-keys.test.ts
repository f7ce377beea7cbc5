import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../../../src/config.ts'
import { compressOptions } from '../../../../src/images/compress.ts'
import {
  checkedKey,
  encodingTag,
  imageKey,
  imageNames,
  isImageKey,
  isStoredKey,
  keyOfLocation,
  keysByProduct,
  originalKey,
  productOfKey,
  sourceName,
} from '../../../../src/images/storage/image-keys.ts'

const defaults = compressOptions(loadConfig({}))

describe('imageKey', () => {
  it('names a file by product, source, settings tag and width', () => {
    expect(imageKey({ productId: 7, source: '2', extension: 'webp' })).toBe('7/2.webp')
    expect(imageKey({ productId: 7, source: '0123456789abcdef', extension: 'webp', tag: '1a2b3c4d', width: 640 })).toBe(
      '7/0123456789abcdef.1a2b3c4d.640w.webp',
    )
  })
})

describe('checkedKey', () => {
  it('passes our own keys through', () => {
    expect(checkedKey('7/2.1a2b3c4d.webp')).toBe('7/2.1a2b3c4d.webp')
  })

  it.each(['../etc/passwd', '/7/2.webp', '7/../2.webp', '0/2.webp', '7/2.webp.123', '7/.hidden', '7/2.ABCDEF12.webp'])(
    'refuses %j',
    (key) => {
      expect(() => checkedKey(key)).toThrow(/not an image key/)
      expect(isImageKey(key)).toBe(false)
    },
  )
})

describe('keyOfLocation', () => {
  it('finds the key in a local path and in an S3 URI alike', () => {
    expect(keyOfLocation('/var/images/7/2.1a2b3c4d.webp')).toBe('7/2.1a2b3c4d.webp')
    expect(keyOfLocation('s3://bucket/7/2.1a2b3c4d.webp')).toBe('7/2.1a2b3c4d.webp')
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
    expect(isStoredKey(key)).toBe(true)
    expect(isImageKey(key)).toBe(false)
  })

  it('still serves names from before products could change: by position', () => {
    expect(isImageKey('7/0.webp')).toBe(true)
    expect(isImageKey('7/3.1a2b3c4d.640w.webp')).toBe(true)
  })
})

describe('productOfKey and keysByProduct', () => {
  it('reads the product from a key', () => {
    expect(productOfKey('42/0123456789abcdef.1a2b3c4d.webp')).toBe(42)
  })

  it('groups keys by product, each product keeping the order given', () => {
    const keys = ['4/a.webp', '42/b.webp', '4/c.webp', '420/d.webp']
    expect([...keysByProduct(keys)]).toEqual([
      [4, ['4/a.webp', '4/c.webp']],
      [42, ['42/b.webp']],
      [420, ['420/d.webp']],
    ])
    expect(keysByProduct([]).size).toBe(0)
  })
})
