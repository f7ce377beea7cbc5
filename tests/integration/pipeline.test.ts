import { readdir, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compressOptions } from '../../src/images/compress.ts'
import { encodingTag, sourceName } from '../../src/images/storage/image-keys.ts'
import { publishProductCreated } from '../../src/queue/broker.ts'
import type { TestBroker } from '../helpers/broker.ts'
import type { TestDatabase } from '../helpers/database.ts'
import { serve, type ImageServer } from '../helpers/image-server.ts'
import { photoJpeg } from '../helpers/images.ts'
import type { LogRecorder } from '../helpers/logs.ts'
import { startPipeline, type TestPipeline } from '../helpers/pipeline.ts'

describe('product pipeline: API → PostgreSQL → RabbitMQ → worker → files', () => {
  let pipeline: TestPipeline
  let database: TestDatabase
  let broker: TestBroker
  let images: ImageServer
  let logs: LogRecorder
  let imagesDir: string
  let tag: string
  const sources: Buffer[] = []
  let flakyCalls = 0

  beforeAll(async () => {
    sources.push(await photoJpeg(1920, 1080), await photoJpeg(1200, 800), await photoJpeg(800, 1200))
    // A short broker-side retry wait (the default 300 ms) keeps the retry tests quick; the mechanism is the production
    // one.
    pipeline = await startPipeline({
      routes: {
        '/photo-0.jpg': serve(sources[0]!),
        '/photo-1.jpg': serve(sources[1]!),
        '/photo-2.jpg': serve(sources[2]!),
        '/page.jpg': serve('<html><body>not an image</body></html>', 'image/jpeg'),
        // Fails twice with a server error, then serves the photo: a passing outage.
        '/down.jpg': serve('busy', 'text/plain', 503),
        '/flaky.jpg': (request, response) =>
          (++flakyCalls <= 2 ? serve('busy', 'text/plain', 503) : serve(sources[1]!))(request, response),
      },
      retries: 2,
    })
    ;({ database, broker, images, logs, imagesDir } = pipeline)
    tag = encodingTag(compressOptions(pipeline.config))
  })

  afterAll(() => pipeline?.close())

  const postProduct = (paths: string[]) => pipeline.postProduct(paths)
  const processed = (productId: number, outcome?: string) =>
    logs.waitFor(
      (line) =>
        line.msg === 'product processed' && line.product_id === productId && (!outcome || line.outcome === outcome),
    )
  const getProduct = (productId: number) => pipeline.getProduct(productId)
  const filesOf = async (productId: number) => (await readdir(path.join(imagesDir, String(productId)))).sort()
  /** Where the main file of a product's image is stored, under the settings' tag. */
  const mainFile = (productId: number, file: string) =>
    path.join(imagesDir, String(productId), `${sourceName(images.url(file))}.${tag}.webp`)

  it('compresses every image and stores the paths in source order', async () => {
    const productId = await postProduct(['/photo-0.jpg', '/photo-1.jpg', '/photo-2.jpg'])
    await processed(productId)

    const product = await getProduct(productId)
    expect(product.status).toBe('done')
    expect(product.image_errors).toEqual([])
    expect(product.compressed_product_images).toEqual([0, 1, 2].map((i) => mainFile(productId, `/photo-${i}.jpg`)))
    for (const [index, file] of product.compressed_product_images.entries()) {
      const meta = await sharp(file).metadata()
      const source = await sharp(sources[index]!).metadata()
      expect(meta.format).toBe('webp')
      // Same picture: same orientation and aspect ratio as its source.
      expect(meta.width! / meta.height!).toBeCloseTo(source.width! / source.height!, 2)
      expect((await stat(file)).size).toBeLessThan(sources[index]!.length)
    }
    const row = await database.db.product.findUniqueOrThrow({ where: { product_id: productId } })
    expect(row.queued_at).not.toBeNull()
  })

  it('records a 404 and a non-image per URL, and still stores the good image', async () => {
    const productId = await postProduct(['/missing.jpg', '/photo-1.jpg', '/page.jpg'])
    await processed(productId)

    const product = await getProduct(productId)
    expect(product.status).toBe('failed')
    expect(product.compressed_product_images).toEqual([mainFile(productId, '/photo-1.jpg')])
    expect(product.images.map((image: { index: number }) => image.index)).toEqual([1])
    expect(product.image_errors).toEqual([
      expect.objectContaining({ index: 0, url: images.url('/missing.jpg'), code: 'http_404' }),
      expect.objectContaining({ index: 2, url: images.url('/page.jpg'), code: 'not_an_image' }),
    ])
    // Permanent failures are not retried.
    expect(images.hits.get('/missing.jpg')).toBe(1)
  })

  it('retries a passing server error through the broker until the image comes through', async () => {
    const productId = await postProduct(['/flaky.jpg'])
    await processed(productId, 'done')
    expect(flakyCalls).toBe(3)
    expect((await getProduct(productId)).compressed_product_images).toHaveLength(1)
  })

  it('after the last retry records the image as unavailable and dead-letters the message', async () => {
    const productId = await postProduct(['/photo-0.jpg', '/down.jpg'])
    await logs.waitFor(
      (line) =>
        line.msg === 'product processing failed: will retry' &&
        line.product_id === productId &&
        /gave up/.test(String((line.err as { message?: string })?.message)),
    )

    const product = await getProduct(productId)
    expect(product.status).toBe('failed')
    expect(product.compressed_product_images).toEqual([mainFile(productId, '/photo-0.jpg')])
    expect(product.image_errors).toEqual([
      {
        index: 1,
        url: images.url('/down.jpg'),
        code: 'unavailable',
        message: 'the image could not be downloaded: the connection failed or the server had an error',
      },
    ])
    expect(images.hits.get('/down.jpg')).toBe(3) // first delivery + 2 retries
    await expect.poll(() => broker.deadLetters.length, { timeout: 10_000 }).toBe(1)
    const headers = broker.deadLetters.shift()!.properties.headers as { rascal: { error: { message: string } } }
    expect(headers.rascal.error.message).toMatch(new RegExp(`product ${productId}: gave up after the last attempt`))
  })

  it('acks a redelivered message for a finished product without doing the work again', async () => {
    const productId = await postProduct(['/photo-0.jpg', '/photo-2.jpg'])
    await processed(productId, 'done')
    const before = await getProduct(productId)
    const downloads = images.hits.get('/photo-2.jpg')

    await publishProductCreated(broker.broker, productId)
    await processed(productId, 'already_done')

    expect(images.hits.get('/photo-2.jpg')).toBe(downloads)
    expect(await getProduct(productId)).toEqual(before)
  })

  it('a duplicate message for an unfinished product resumes it without duplicating files or paths', async () => {
    const productId = await postProduct(['/photo-1.jpg', '/photo-2.jpg'])
    await processed(productId, 'done')
    const before = await getProduct(productId)
    const files = await filesOf(productId)
    // As if the first delivery had died after storing the first image only, before the database knew.
    for (const file of files.filter((name) => name.startsWith(`${sourceName(images.url('/photo-2.jpg'))}.`))) {
      await rm(path.join(imagesDir, String(productId), file))
    }
    await database.db.product.update({
      where: { product_id: productId },
      data: { status: 'processing', compressed_product_images: [], images: [] },
    })
    const downloads = { first: images.hits.get('/photo-1.jpg'), second: images.hits.get('/photo-2.jpg')! }
    logs.lines.length = 0

    await publishProductCreated(broker.broker, productId)
    await processed(productId, 'done')

    const after = await getProduct(productId)
    expect(after.compressed_product_images).toEqual(before.compressed_product_images)
    // The first image's record is rebuilt from its stored files: the same files and sizes. Its
    // placeholder now comes from the stored (compressed) pixels, so it may differ in a bit or two.
    const files_ = (list: { thumbhash: string; dominant_color: string }[]) =>
      list.map(({ thumbhash: _t, dominant_color: _d, ...rest }) => rest)
    expect(files_(after.images)).toEqual(files_(before.images))
    expect(await filesOf(productId)).toEqual(files)
    expect(images.hits.get('/photo-1.jpg')).toBe(downloads.first)
    expect(images.hits.get('/photo-2.jpg')).toBe(downloads.second + 1)
  })

  it('dead-letters a message that is not a product id', async () => {
    await broker.broker.publish('product_created', { hello: 'world' })
    await expect.poll(() => broker.deadLetters.length, { timeout: 10_000 }).toBe(1)
    const headers = broker.deadLetters.shift()!.properties.headers as { rascal: { error: { message: string } } }
    expect(headers.rascal.error.message).toBe('message without a valid product_id')
  })

  it('dead-letters a message for an unknown product with the reason in its headers', async () => {
    await publishProductCreated(broker.broker, 99_999_999)
    await logs.waitFor(
      (line) => line.msg === 'product cannot be processed: dead-lettered' && line.product_id === 99_999_999,
    )
    await expect.poll(() => broker.deadLetters.length, { timeout: 10_000 }).toBe(1)
    const headers = broker.deadLetters.shift()!.properties.headers as { rascal: { error: { message: string } } }
    expect(headers.rascal.error.message).toBe('product 99999999 does not exist')
  })
})
