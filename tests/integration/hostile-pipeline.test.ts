import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compressOptions, decode } from '../../src/images/compress.ts'
import { encodingTag, sourceName } from '../../src/images/storage/image-keys.ts'
import { flood, lyingLength, redirect, slowDrip } from '../helpers/hostile-routes.ts'
import { serve, startImageServer, type ImageServer } from '../helpers/image-server.ts'
import { photoJpeg } from '../helpers/images.ts'
import { startPipeline, type TestPipeline } from '../helpers/pipeline.ts'

/** Samples this process's resident memory (the worker runs in it) and keeps the peak. */
function watchMemory(everyMs = 20) {
  let peak = process.memoryUsage().rss
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), everyMs)
  return { peak: () => peak, stop: () => clearInterval(timer) }
}

const MiB = 1024 * 1024

describe('hostile images through the real worker', () => {
  let pipeline: TestPipeline
  let internal: ImageServer
  let bomb: Buffer
  let memory: ReturnType<typeof watchMemory>
  let baselineRss: number

  beforeAll(async () => {
    // 20000×20000 = 400 M pixels (1.2 GB as RGB) in a few hundred KB of PNG: a decompression bomb.
    bomb = await sharp({
      create: { width: 20000, height: 20000, channels: 3, background: '#fff' },
      limitInputPixels: false,
    })
      .toColourspace('b-w')
      .png({ compressionLevel: 9 })
      .toBuffer()
    const photo = await photoJpeg(800, 600)
    // A private service on another loopback port: not allowed, must never see a request.
    internal = await startImageServer({ '/admin': serve('internal secret', 'text/plain') })
    pipeline = await startPipeline({
      routes: {
        '/bomb.png': serve(bomb, 'image/png'),
        '/truncated.jpg': serve(photo.subarray(0, photo.length / 2)),
        '/page.jpg': serve('<!doctype html><html><body>not an image</body></html>', 'image/jpeg'),
        '/go/1': redirect('/go/2'),
        '/go/2': redirect(internal.url('/admin')),
        // Declares half the photo, then sends 50 MiB more.
        '/liar.jpg': lyingLength(photo.length / 2, Buffer.concat([photo, Buffer.alloc(50 * MiB)])).route,
        '/flood.jpg': flood(100 * MiB).route,
        '/drawing.png': serve('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', 'image/png'),
        '/photo.jpg': serve(photo),
        '/slow.jpg': slowDrip(20),
      },
      env: { DOWNLOAD_MAX_BYTES: String(4 * MiB), DOWNLOAD_TIMEOUT_MS: '1500', DOWNLOAD_IDLE_TIMEOUT_MS: '1000' },
      retryDelayMs: 200,
      retries: 2,
    })
    baselineRss = process.memoryUsage().rss
    memory = watchMemory()
  }, 120_000)

  afterAll(async () => {
    memory?.stop()
    await pipeline?.close()
    await internal?.close()
  })

  const settled = (productId: number) =>
    expect
      .poll(async () => (await pipeline.getProduct(productId)).status, { timeout: 25_000, interval: 100 })
      .toBe('failed')

  it('the bomb is small on the wire and refused from its header, without decoding', async () => {
    expect(bomb.length).toBeLessThan(1 * MiB)
    const started = performance.now()
    await expect(decode(bomb, compressOptions(pipeline.config))).rejects.toMatchObject({
      code: 'too_many_pixels',
      message: '20000×20000 is more than the 50000000 pixels allowed',
    })
    expect(performance.now() - started).toBeLessThan(500)
  })

  it('fails each hostile image with its reason, stores the good one, and harms nothing else', async () => {
    const paths = ['/bomb.png', '/truncated.jpg', '/page.jpg', '/go/1', '/flood.jpg', '/drawing.png', '/photo.jpg']
    const productId = await pipeline.postProduct(paths)
    await settled(productId)

    const product = await pipeline.getProduct(productId)
    expect(product.compressed_product_images).toEqual([
      path.join(
        pipeline.imagesDir,
        String(productId),
        `${sourceName(pipeline.images.url('/photo.jpg'))}.${encodingTag(compressOptions(pipeline.config))}.webp`,
      ),
    ])
    const codes = Object.fromEntries(
      product.image_errors.map((e: { index: number; code: string }) => [paths[e.index], e.code]),
    )
    expect(codes).toEqual({
      '/bomb.png': 'too_many_pixels',
      '/truncated.jpg': 'corrupt_image',
      '/page.jpg': 'not_an_image',
      '/go/1': 'blocked_address',
      '/flood.jpg': 'too_large',
      '/drawing.png': 'format_not_allowed',
    })
    for (const failure of product.image_errors) expect(failure.message).toEqual(expect.any(String))
    // Permanent: each fetched once, no retries; the private server never saw a request.
    expect(pipeline.images.hits.get('/bomb.png')).toBe(1)
    expect(pipeline.images.hits.get('/go/1')).toBe(1)
    expect(internal.hits.size).toBe(0)
  })

  it('never reads past a lying small Content-Length', async () => {
    const productId = await pipeline.postProduct(['/liar.jpg'])
    await settled(productId)
    // undici reads the declared bytes (half a JPEG) or, when the excess arrives first, drops the
    // connection as a network error, retried and in the end recorded as unavailable.
    const [failure] = (await pipeline.getProduct(productId)).image_errors
    expect(['corrupt_image', 'unavailable']).toContain(failure.code)
  })

  it('retries a slow-drip server once, then records it as a timeout and stores the other image', async () => {
    const productId = await pipeline.postProduct(['/slow.jpg', '/photo.jpg'])
    await settled(productId)
    const product = await pipeline.getProduct(productId)
    expect(product.image_errors).toEqual([
      {
        index: 0,
        url: pipeline.images.url('/slow.jpg'),
        code: 'timeout',
        message: 'the image server was too slow to answer or to send the image',
      },
    ])
    expect(product.compressed_product_images).toHaveLength(1)
    // Timed out on the first delivery and again on its retry: failed then, not held through the last retry.
    expect(pipeline.images.hits.get('/slow.jpg')).toBe(2)
    const logged = pipeline.logs.lines.filter((line) => line.msg === 'image failed' && line.product_id === productId)
    expect(logged).toHaveLength(2)
    expect(logged[0]).toMatchObject({
      index: 0,
      err: { message: expect.stringContaining('the download took longer than 1500 ms') },
    })
  }, 30_000)

  it('keeps the worker’s memory bounded', () => {
    memory.stop()
    const peak = memory.peak()
    console.log(
      `hostile pipeline: RSS ${Math.round(baselineRss / MiB)} MiB at start, peak ${Math.round(peak / MiB)} MiB`,
    )
    // Decoding the bomb alone would take over 1 GiB; the download cap and header checks keep it far below.
    expect(peak - baselineRss).toBeLessThan(300 * MiB)
  })
})
