import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { thumbHashToApproximateAspectRatio, thumbHashToRGBA } from 'thumbhash'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Config } from '../../../src/config.ts'
import { compressOptions } from '../../../src/images/compress.ts'
import { encodingTag, sourceName } from '../../../src/images/storage/image-keys.ts'
import { recoveryOf } from '../../../src/queue/broker.ts'
import { startWorker, type Worker } from '../../../src/worker.ts'
import { serve } from '../../helpers/image-server.ts'
import { photoJpeg } from '../../helpers/images.ts'
import { startPipeline, type TestPipeline } from '../../helpers/pipeline.ts'

interface File {
  width: number
  height: number
  bytes: number
  path: string
  url: string
}
type Image = File & { index: number; variants: File[]; srcset: string; thumbhash: string; dominant_color: string }

const SOURCES = { '/landscape.jpg': [1920, 1080], '/portrait.jpg': [800, 1200], '/small.jpg': [200, 150] } as const

describe('responsive images: variants, sizes and placeholders', () => {
  let pipeline: TestPipeline
  let cutOut: Buffer

  beforeAll(async () => {
    const routes = Object.fromEntries(
      await Promise.all(
        Object.entries(SOURCES).map(async ([route, [width, height]]) => [route, serve(await photoJpeg(width, height))]),
      ),
    )
    // A product photographed on a transparent background: a red disc in a 900×600 canvas.
    const disc = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="900" height="600"><circle cx="450" cy="300" r="250" ' +
        'fill="#d22"/></svg>',
    )
    cutOut = await sharp(disc).png().toBuffer()
    pipeline = await startPipeline({ routes: { ...routes, '/cut-out.png': serve(cutOut, 'image/png') } })
  }, 60_000)

  afterAll(() => pipeline?.close())

  const filesIn = async (productId: number) => (await readdir(path.join(pipeline.imagesDir, String(productId)))).sort()
  const everyFile = (image: Image): File[] => [image, ...image.variants]

  it('writes every configured width narrower than the image, keeping its aspect ratio, and nothing more', async () => {
    const productId = await pipeline.postProduct(Object.keys(SOURCES))
    const product = await pipeline.settled(productId)
    expect(product.status).toBe('done')
    const images = product.images as Image[]

    expect(images.map((image) => image.index)).toEqual([0, 1, 2])
    expect(images.map((image) => image.path)).toEqual(product.compressed_product_images)
    expect(images.map((image) => [image.width, image.height])).toEqual([
      [1920, 1080],
      [800, 1200],
      [200, 150],
    ])
    expect(images.map((image) => image.variants.map((variant) => variant.width))).toEqual([
      [256, 640, 1280],
      [256, 640],
      [],
    ])

    const tag = encodingTag(compressOptions(pipeline.config))
    for (const image of images) {
      for (const file of everyFile(image)) {
        const meta = await sharp(file.path).metadata()
        expect(meta).toMatchObject({ format: 'webp', width: file.width, height: file.height })
        expect((await stat(file.path)).size).toBe(file.bytes)
        // Same aspect ratio as the main image, to the pixel.
        expect(Math.abs(file.height - (file.width * image.height) / image.width)).toBeLessThanOrEqual(1)
        const width = file === image ? '' : `.${file.width}w`
        expect(path.basename(file.path)).toBe(`${sourceName(product.product_images[image.index])}.${tag}${width}.webp`)
      }
    }
    expect(await filesIn(productId)).toEqual(
      images
        .flatMap(everyFile)
        .map((file) => path.basename(file.path))
        .sort(),
    )
  })

  it('serves every file of the srcset at its URL', async () => {
    const product = await pipeline.settled(await pipeline.postProduct(['/landscape.jpg']))
    const [image] = product.images as Image[]
    const srcset = image!.srcset.split(', ').map((entry) => entry.split(' '))
    expect(srcset).toEqual(
      everyFile(image!)
        .sort((a, b) => a.width - b.width)
        .map((file) => [file.url, `${file.width}w`]),
    )
    for (const file of everyFile(image!)) {
      const response = await pipeline.app.inject({ method: 'GET', url: file.url })
      expect(response.statusCode).toBe(200)
      expect(response.headers['content-type']).toBe('image/webp')
      expect(response.rawPayload.length).toBe(file.bytes)
    }
  })

  it('gives each image a placeholder of its aspect ratio and a dominant colour', async () => {
    const product = await pipeline.settled(
      await pipeline.postProduct(['/landscape.jpg', '/portrait.jpg', '/cut-out.png']),
    )
    for (const image of product.images as Image[]) {
      const ratio = thumbHashToApproximateAspectRatio(Buffer.from(image.thumbhash, 'base64'))
      expect(Math.abs(Math.log(ratio / (image.width / image.height)))).toBeLessThan(Math.log(1.2))
      expect(image.dominant_color).toMatch(/^#[0-9a-f]{6}$/)
    }
    // The cut-out: transparent corners in its placeholder and its variants, red as its colour.
    const cut = (product.images as Image[])[2]!
    const preview = thumbHashToRGBA(Buffer.from(cut.thumbhash, 'base64'))
    expect(preview.rgba[3]).toBeLessThan(64)
    expect(cut.dominant_color.slice(1, 3)).toMatch(/^[c-f]/)
    const [, , , cornerAlpha] = await sharp(cut.variants[0]!.path).ensureAlpha().raw().toBuffer()
    expect(cornerAlpha).toBe(0)
  })

  describe('after the settings change, reprocessing', () => {
    let productId: number
    let before: Image
    let worker: Worker | undefined

    // The pipeline's worker is replaced by one with other settings, as a redeploy would.
    const redeploy = async (settings: Partial<Config>) => {
      await (worker ?? pipeline.worker).stop()
      const config = { ...pipeline.config, ...settings }
      worker = await startWorker({
        config,
        db: pipeline.database.db,
        broker: pipeline.broker.broker,
        recovery: recoveryOf(pipeline.broker.config),
        log: pipeline.logs.log,
      })
    }
    const downloads = () => pipeline.images.hits.get('/landscape.jpg') ?? 0

    beforeAll(async () => {
      productId = await pipeline.postProduct(['/landscape.jpg'])
      before = (await pipeline.settled(productId)).images[0]
    })
    afterAll(async () => {
      await worker?.stop()
    })

    it('with other variant widths, makes only the missing variants, from the stored image', async () => {
      await redeploy({ IMAGE_VARIANT_WIDTHS: '256,1024' })
      const downloaded = downloads()
      expect((await pipeline.reprocess(productId)).statusCode).toBe(202)
      const [image] = (await pipeline.settled(productId)).images as Image[]
      expect(image!.path).toBe(before.path)
      expect(image!.variants.map((variant) => variant.width)).toEqual([256, 1024])
      expect(image!.variants[0]).toEqual(before.variants[0])
      expect(downloads()).toBe(downloaded)
    })

    it('with variants off, keeps the main image alone', async () => {
      await redeploy({ IMAGE_VARIANT_WIDTHS: '' })
      expect((await pipeline.reprocess(productId)).statusCode).toBe(202)
      const [image] = (await pipeline.settled(productId)).images as Image[]
      expect(image!.variants).toEqual([])
      expect(image!.srcset).toBe(`${before.url} ${before.width}w`)
    })

    it('with another quality, downloads the source again and writes files under new names', async () => {
      await redeploy({ IMAGE_QUALITY: 50 })
      const downloaded = downloads()
      expect((await pipeline.reprocess(productId)).statusCode).toBe(202)
      const product = await pipeline.settled(productId)
      const [image] = product.images as Image[]
      expect(downloads()).toBe(downloaded + 1)
      expect(image!.path).not.toBe(before.path)
      expect(product.compressed_product_images).toEqual([image!.path])
      expect(image!.bytes).toBeLessThan(before.bytes)
      expect(image!.variants.map((variant) => variant.width)).toEqual([256, 640, 1280])
      // The earlier files stay where they were: a page cached with their URLs still finds them.
      await expect(stat(before.path)).resolves.toBeTruthy()
    })
  })
})
