import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../../helpers/database.ts'
import { authorizationFor } from '../../helpers/api.ts'
import { serve, type Route } from '../../helpers/image-server.ts'
import { photoJpeg } from '../../helpers/images.ts'
import { startPipeline, type TestPipeline } from '../../helpers/pipeline.ts'

/** A source that answers 404 until it is "back", and can be held open mid-download. */
function comingBack(photo: Buffer) {
  let back = false
  let hold: Promise<void> = Promise.resolve()
  let release = () => {}
  const route: Route = (request, response) => {
    void hold.then(() => (back ? serve(photo) : serve('gone', 'text/plain', 404))(request, response))
  }
  return {
    route,
    bringBack: () => {
      back = true
    },
    /** Until released, a request for it hangs (back or not): the product stays `processing`. */
    holdDownloads: () => {
      hold = new Promise((resolve) => (release = resolve))
    },
    release: () => release(),
  }
}

describe('POST /products/:id/reprocess', () => {
  let pipeline: TestPipeline
  const sources: Record<string, ReturnType<typeof comingBack>> = {}
  const hits = (path: string) => pipeline.images.hits.get(path) ?? 0

  beforeAll(async () => {
    const photo = await photoJpeg(800, 600)
    const routes: Record<string, Route> = { '/photo.jpg': serve(photo) }
    for (const name of ['a', 'b', 'c']) {
      sources[name] = comingBack(photo)
      routes[`/back-${name}.jpg`] = sources[name].route
    }
    pipeline = await startPipeline({ routes })
  }, 60_000)

  afterAll(() => pipeline?.close())

  it('after a missing source is back, makes only the missing image and ends done', async () => {
    const productId = await pipeline.postProduct(['/photo.jpg', '/back-a.jpg'])
    const failed = await pipeline.settled(productId)
    expect(failed.status).toBe('failed')
    expect(failed.image_errors).toEqual([expect.objectContaining({ index: 1, code: 'http_404' })])
    const photoDownloads = hits('/photo.jpg')

    sources.a!.bringBack()
    const response = await pipeline.reprocess(productId)
    expect(response.statusCode).toBe(202)
    expect(response.body).toMatchObject({ product_id: productId })
    expect(['pending', 'processing']).toContain(response.body.status)

    const done = await pipeline.settled(productId)
    expect(done.status).toBe('done')
    expect(done.image_errors).toEqual([])
    expect(done.images.map((image: { index: number }) => image.index)).toEqual([0, 1])
    expect(done.images[0]).toEqual(failed.images[0])
    expect(hits('/photo.jpg')).toBe(photoDownloads)
  })

  it('answers 409 while the product is queued or processing, and 202 again once it has settled', async () => {
    const productId = await pipeline.postProduct(['/back-b.jpg'])
    await pipeline.settled(productId)
    sources.b!.bringBack()
    sources.b!.holdDownloads()

    expect((await pipeline.reprocess(productId)).statusCode).toBe(202)
    const again = await pipeline.reprocess(productId)
    expect(again.statusCode).toBe(409)
    expect(again.body.message).toMatch(/already queued or being processed/)
    await expect.poll(async () => (await pipeline.getProduct(productId)).status).toBe('processing')
    expect((await pipeline.reprocess(productId)).statusCode).toBe(409)

    sources.b!.release()
    expect((await pipeline.settled(productId)).status).toBe('done')
    const downloads = hits('/back-b.jpg')
    // Repeating it on a finished product is harmless: everything is current, nothing is fetched.
    const before = await pipeline.getProduct(productId)
    for (let round = 0; round < 2; round++) {
      expect((await pipeline.reprocess(productId)).statusCode).toBe(202)
      expect((await pipeline.settled(productId)).images).toEqual(before.images)
    }
    expect(hits('/back-b.jpg')).toBe(downloads)
  })

  it('queues a product once however many calls arrive together', async () => {
    const productId = await pipeline.postProduct(['/back-c.jpg'])
    await pipeline.settled(productId)
    const downloads = hits('/back-c.jpg')
    // Held, the product cannot fail again before the last call lands: a 404 is answered in
    // milliseconds, and on a busy machine the worker could settle it between two of the calls.
    sources.c!.holdDownloads()
    const answers = await Promise.all(Array.from({ length: 8 }, () => pipeline.reprocess(productId)))
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([202, 409, 409, 409, 409, 409, 409, 409])
    sources.c!.release()
    expect((await pipeline.settled(productId)).status).toBe('failed')
    // One more pass over the product (the source is still gone): one more download, no more.
    await expect.poll(() => hits('/back-c.jpg')).toBe(downloads + 1)
  })

  it("answers 404 for another user's product, as for a missing one, and lets an admin reprocess it", async () => {
    const productId = await pipeline.postProduct(['/photo.jpg'])
    await pipeline.settled(productId)
    const stranger = await authorizationFor(pipeline.database.db, { userId: await createUser(pipeline.database.db) })
    const theirs = await pipeline.reprocess(productId, stranger)
    const missing = await pipeline.reprocess(2_000_000_000, stranger)
    expect(theirs.statusCode).toBe(404)
    expect(missing.statusCode).toBe(404)
    expect(theirs.body.message).toBe(`product ${productId} does not exist`)
    expect((await pipeline.getProduct(productId)).status).toBe('done')

    const admin = await authorizationFor(pipeline.database.db, { admin: true })
    expect((await pipeline.reprocess(productId, admin)).statusCode).toBe(202)
    expect((await pipeline.settled(productId)).status).toBe('done')
  })

  it('needs a key', async () => {
    expect((await pipeline.reprocess(1, {})).statusCode).toBe(401)
  })
})
