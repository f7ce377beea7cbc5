import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../../../src/config.ts'
import { compressOptions } from '../../../../src/images/compress.ts'
import {
  checkedKey,
  encodingTag,
  imageKey,
  imageNames,
  isImageKey,
  keyOfLocation,
} from '../../../../src/images/storage/image-keys.ts'

const defaults = compressOptions(loadConfig({}))

describe('imageKey', () => {
  it('names a file by product, position, settings tag and width', () => {
    expect(imageKey({ productId: 7, index: 2, extension: 'webp' })).toBe('7/2.webp')
    expect(imageKey({ productId: 7, index: 2, extension: 'webp', tag: '1a2b3c4d', width: 640 })).toBe(
      '7/2.1a2b3c4d.640w.webp',
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
