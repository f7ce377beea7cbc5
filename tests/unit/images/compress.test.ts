import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/config.ts'
import {
  checkDecodable,
  compressOptions,
  decode,
  decodeErrorCode,
  decodeStored,
  encode,
  encoderOptions,
  extensionOf,
  inputFormat,
} from '../../../src/images/compress.ts'
import { PermanentImageError } from '../../../src/images/errors.ts'
import { mainImage, photoJpeg } from '../../helpers/images.ts'

// The configuration's defaults for the decode limits (pixels, formats).
const defaults = compressOptions(loadConfig({}))
const webp = { ...defaults, format: 'webp', quality: 80, maxSide: 512 } as const
const solid = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#4a7' } })

describe('decode, then encode: a main image', () => {
  let photo: Buffer
  beforeAll(async () => {
    photo = await photoJpeg(1200, 800)
  })

  it('caps the longest side, keeps the aspect ratio and re-encodes smaller', async () => {
    const result = await mainImage(photo, webp)
    expect(result).toMatchObject({ width: 512, height: 341 })
    const meta = await sharp(result.data).metadata()
    expect(meta).toMatchObject({ format: 'webp', width: 512, height: 341 })
    expect(result.data.length).toBeLessThan(photo.length)
  })

  it('never enlarges a small image', async () => {
    const small = await photoJpeg(200, 100)
    expect(await mainImage(small, webp)).toMatchObject({ width: 200, height: 100 })
  })

  it('applies the EXIF orientation and strips metadata', async () => {
    // Orientation 6: the camera was turned, the stored pixels are 300x200 but shown 200x300.
    const rotated = await sharp(await photoJpeg(300, 200))
      .withMetadata({ orientation: 6, exif: { IFD0: { Copyright: 'secret camera owner' } } })
      .jpeg()
      .toBuffer()
    const result = await mainImage(rotated, { ...defaults, format: 'jpeg', quality: 80, maxSide: 1000 })
    const meta = await sharp(result.data).metadata()
    expect(meta).toMatchObject({ width: 200, height: 300 })
    expect(meta.exif).toBeUndefined()
    expect(meta.orientation).toBeUndefined()
  })

  it.each(['jpeg', 'webp', 'avif'] as const)('writes %s', async (format) => {
    const result = await mainImage(photo, { ...defaults, format, quality: 60, maxSide: 256 })
    expect((await sharp(result.data).metadata()).format).toBe(format === 'avif' ? 'heif' : format)
  })

  it('fails bytes that are not an image as not_an_image', async () => {
    const attempt = mainImage(Buffer.from('<html>hello</html>'), webp)
    await expect(attempt).rejects.toBeInstanceOf(PermanentImageError)
    await expect(attempt).rejects.toMatchObject({ code: 'not_an_image' })
  })

  it('fails a truncated image as corrupt_image', async () => {
    const truncated = photo.subarray(0, Math.floor(photo.length / 2))
    await expect(mainImage(truncated, webp)).rejects.toMatchObject({ code: 'corrupt_image' })
  })
})

describe('decode limits', () => {
  it('refuses more pixels than allowed, from the header, before decoding', async () => {
    const jpeg = await solid(1200, 800).jpeg().toBuffer()
    const attempt = mainImage(jpeg, { ...webp, maxInputPixels: 1200 * 800 - 1 })
    await expect(attempt).rejects.toMatchObject({
      code: 'too_many_pixels',
      message: '1200×800 is more than the 959999 pixels allowed',
    })
    expect(await mainImage(jpeg, { ...webp, maxInputPixels: 1200 * 800 })).toMatchObject({ width: 512 })
  })

  it('sniffs the format from the bytes and refuses formats not allowed', async () => {
    const png = await solid(64, 48).png().toBuffer()
    await expect(mainImage(png, { ...webp, allowedFormats: ['jpeg'] })).rejects.toMatchObject({
      code: 'format_not_allowed',
      message: /png images are not accepted/,
    })
    expect(await mainImage(png, webp)).toMatchObject({ width: 64, height: 48 })
  })

  it('refuses SVG and TIFF by default', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    )
    await expect(mainImage(svg, webp)).rejects.toMatchObject({ code: 'format_not_allowed', message: /^svg/ })
    await expect(mainImage(await solid(10, 10).tiff().toBuffer(), webp)).rejects.toMatchObject({
      code: 'format_not_allowed',
    })
  })

  it('decodes only the first frame of an animation', async () => {
    const frames = await Promise.all(
      ['red', 'green', 'blue'].map((colour) =>
        sharp({ create: { width: 40, height: 30, channels: 3, background: colour } })
          .png()
          .toBuffer(),
      ),
    )
    const gif = await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer()
    expect((await sharp(gif).metadata()).pages).toBe(3)
    const result = await mainImage(gif, webp)
    expect(result).toMatchObject({ width: 40, height: 30 })
    const meta = await sharp(result.data).metadata()
    expect(meta.pages ?? 1).toBe(1)
    const { dominant } = await sharp(result.data).stats()
    expect(dominant.r).toBeGreaterThan(200)
  })

  it('checks the header alone: a 20000×20000 header is too many pixels by default', () => {
    expect(() => checkDecodable({ format: 'png', width: 20000, height: 20000 }, defaults)).toThrow(
      expect.objectContaining({ code: 'too_many_pixels' }),
    )
    expect(() => checkDecodable({ format: 'png', width: 8000, height: 6000 }, defaults)).not.toThrow()
  })

  it('names AV1 HEIF avif and other HEIF heic', () => {
    expect(inputFormat({ format: 'heif', compression: 'av1' })).toBe('avif')
    expect(inputFormat({ format: 'heif', compression: 'hevc' })).toBe('heic')
    expect(inputFormat({ format: 'jpeg' })).toBe('jpeg')
  })

  it('defaults to 50 M pixels and the common web formats', () => {
    expect(defaults).toMatchObject({
      maxInputPixels: 50_000_000,
      allowedFormats: ['jpeg', 'png', 'webp', 'gif', 'avif'],
    })
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
    expect(encoderOptions({ format: 'webp', quality: 75, maxSide: 1, effort: 2 })).toEqual({ quality: 75, effort: 2 })
    expect(encoderOptions({ format: 'jpeg', quality: 75, maxSide: 1, effort: 2 })).toEqual({
      quality: 75,
      mozjpeg: true,
    })
    expect(encoderOptions({ format: 'avif', quality: 50, maxSide: 1, effort: 2 })).toEqual({ quality: 50 })
  })

  it('names files by format', () => {
    expect(extensionOf('jpeg')).toBe('jpg')
    expect(extensionOf('webp')).toBe('webp')
    expect(extensionOf('avif')).toBe('avif')
  })
})

describe('decode and encode', () => {
  it('decodes once to pixels no larger than the main image, and encodes any narrower width from them', async () => {
    const photo = await photoJpeg(1200, 800)
    const pixels = await decode(photo, webp)
    expect(pixels).toMatchObject({ width: 512, height: 341, channels: 3 })
    const variant = await encode(pixels, webp, 256)
    expect(variant).toMatchObject({ width: 256, height: 171 })
    expect(await sharp(variant.data).metadata()).toMatchObject({ format: 'webp', width: 256, height: 171 })
  })

  it('keeps alpha through the pixels', async () => {
    const png = await sharp({
      create: { width: 300, height: 200, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } },
    })
      .png()
      .toBuffer()
    const pixels = await decode(png, webp)
    expect(pixels.channels).toBe(4)
    const { data } = await encode(pixels, webp, 100)
    const [r, g, b, a] = await sharp(data).raw().toBuffer()
    expect(a).toBeGreaterThan(120)
    expect(a).toBeLessThan(135)
    // Straight alpha: the colour is not darkened by it.
    expect(Math.abs(r! - 10) + Math.abs(g! - 20) + Math.abs(b! - 30)).toBeLessThan(12)
  })

  it('reads a stored file back to the same size', async () => {
    const stored = (await mainImage(await photoJpeg(640, 480), webp)).data
    expect(await decodeStored(stored)).toMatchObject({ width: 512, height: 384, channels: 3 })
  })
})
