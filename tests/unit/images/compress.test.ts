import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { compress, decodeErrorCode, encoderOptions, extensionOf } from '../../../src/images/compress.ts'
import { PermanentImageError } from '../../../src/images/errors.ts'
import { photoJpeg } from '../../helpers/images.ts'

const webp = { format: 'webp', quality: 80, maxSide: 512 } as const

describe('compress', () => {
  let photo: Buffer
  beforeAll(async () => {
    photo = await photoJpeg(1200, 800)
  })

  it('caps the longest side, keeps the aspect ratio and re-encodes smaller', async () => {
    const result = await compress(photo, webp)
    expect(result).toMatchObject({ width: 512, height: 341 })
    const meta = await sharp(result.data).metadata()
    expect(meta).toMatchObject({ format: 'webp', width: 512, height: 341 })
    expect(result.data.length).toBeLessThan(photo.length)
  })

  it('never enlarges a small image', async () => {
    const small = await photoJpeg(200, 100)
    expect(await compress(small, webp)).toMatchObject({ width: 200, height: 100 })
  })

  it('applies the EXIF orientation and strips metadata', async () => {
    // Orientation 6: the camera was turned, the stored pixels are 300x200 but shown 200x300.
    const rotated = await sharp(await photoJpeg(300, 200))
      .withMetadata({ orientation: 6, exif: { IFD0: { Copyright: 'secret camera owner' } } })
      .jpeg()
      .toBuffer()
    const result = await compress(rotated, { format: 'jpeg', quality: 80, maxSide: 1000 })
    const meta = await sharp(result.data).metadata()
    expect(meta).toMatchObject({ width: 200, height: 300 })
    expect(meta.exif).toBeUndefined()
    expect(meta.orientation).toBeUndefined()
  })

  it.each(['jpeg', 'webp', 'avif'] as const)('writes %s', async (format) => {
    const result = await compress(photo, { format, quality: 60, maxSide: 256 })
    expect((await sharp(result.data).metadata()).format).toBe(format === 'avif' ? 'heif' : format)
  })

  it('fails bytes that are not an image as not_an_image', async () => {
    const attempt = compress(Buffer.from('<html>hello</html>'), webp)
    await expect(attempt).rejects.toBeInstanceOf(PermanentImageError)
    await expect(attempt).rejects.toMatchObject({ code: 'not_an_image' })
  })

  it('fails a truncated image as corrupt_image', async () => {
    const truncated = photo.subarray(0, Math.floor(photo.length / 2))
    await expect(compress(truncated, webp)).rejects.toMatchObject({ code: 'corrupt_image' })
  })
})

describe('decodeErrorCode', () => {
  it('classifies sharp messages', () => {
    expect(decodeErrorCode('Input buffer contains unsupported image format')).toBe('not_an_image')
    expect(decodeErrorCode('Input image exceeds pixel limit')).toBe('too_many_pixels')
    expect(decodeErrorCode('VipsJpeg: Premature end of input file')).toBe('corrupt_image')
  })
})

describe('encoder settings', () => {
  it('uses mozjpeg for JPEG and the quality everywhere', () => {
    expect(encoderOptions({ format: 'jpeg', quality: 75, maxSide: 1 })).toEqual({ quality: 75, mozjpeg: true })
    expect(encoderOptions({ format: 'webp', quality: 75, maxSide: 1 })).toEqual({ quality: 75 })
  })

  it('names files by format', () => {
    expect(extensionOf('jpeg')).toBe('jpg')
    expect(extensionOf('webp')).toBe('webp')
    expect(extensionOf('avif')).toBe('avif')
  })
})
