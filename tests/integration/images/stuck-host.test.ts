import type { ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serve, type Route } from '../../helpers/image-server.ts'
import { photoJpeg } from '../../helpers/images.ts'
import { startPipeline, type TestPipeline } from '../../helpers/pipeline.ts'

describe('a stuck image host costs its own product, not everyone’s', () => {
  let pipeline: TestPipeline
  const stalled: ServerResponse[] = []
  // Headers at once, then one byte a second: never silent long enough for the idle timeout.
  const stuck: Route = (_request, response) => {
    stalled.push(response)
    response.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': 1_000_000 })
    const timer = setInterval(() => response.write('x'), 1000)
    response.on('close', () => clearInterval(timer))
  }

  beforeAll(async () => {
    pipeline = await startPipeline({
      routes: { '/stuck-0.jpg': stuck, '/stuck-1.jpg': stuck, '/photo.jpg': serve(await photoJpeg(800, 600)) },
      // As many images on the stuck host as there are slots, and a deadline far beyond the test.
      env: { IMAGE_CONCURRENCY: '2', DOWNLOAD_TIMEOUT_MS: '120000' },
    })
  })

  afterAll(async () => {
    for (const response of stalled) response.destroy()
    await pipeline?.close()
  })

  it('processes an ordinary product posted after one whose host stalls, while that one still downloads', async () => {
    const stuckId = await pipeline.postProduct(['/stuck-0.jpg', '/stuck-1.jpg'])
    await expect.poll(() => stalled.length, { timeout: 20_000 }).toBe(2)
    const ordinaryId = await pipeline.postProduct(['/photo.jpg'])

    const ordinary = await pipeline.settled(ordinaryId)
    expect(ordinary.status).toBe('done')
    expect(ordinary.compressed_product_images).toHaveLength(1)
    expect((await pipeline.getProduct(stuckId)).status).toBe('processing')
    expect(stalled.every((response) => !response.destroyed)).toBe(true)
  })
})
