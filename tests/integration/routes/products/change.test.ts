import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sourceName } from '../../../../src/images/storage/image-keys.ts'
import { authorizationFor } from '../../../helpers/api.ts'
import { createUser } from '../../../helpers/database.ts'
import { serve, type Route } from '../../../helpers/image-server.ts'
import { photoJpeg } from '../../../helpers/images.ts'
import { startPipeline, type TestPipeline } from '../../../helpers/pipeline.ts'

/** A source whose downloads hang until released: its product stays `processing` meanwhile. */
function heldSource(photo: Buffer) {
  let release = () => {}
  const held = new Promise<void>((resolve) => (release = resolve))
  const route: Route = (request, response) => {
    void held.then(() => serve(photo)(request, response))
  }
  return { route, release: () => release() }
}

// PATCH and DELETE through the real worker, on local disk; superseded files go at once
// (IMAGE_RETENTION_HOURS=0), so that a test can see them go.
describe('PATCH and DELETE /products/:id', () => {
  let pipeline: TestPipeline
  let owner: { authorization: string }
  const held = { patch: heldSource(Buffer.alloc(0)), delete: heldSource(Buffer.alloc(0)) }
  const hits = (file: string) => pipeline.images.hits.get(file) ?? 0

  beforeAll(async () => {
    const photo = await photoJpeg(900, 600)
    held.patch = heldSource(photo)
    held.delete = heldSource(photo)
    const routes: Record<string, Route> = { '/held-patch.jpg': held.patch.route, '/held-delete.jpg': held.delete.route }
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) routes[`/${name}.jpg`] = serve(photo)
    pipeline = await startPipeline({ routes, env: { IMAGE_RETENTION_HOURS: '0' } })
    owner = await authorizationFor(pipeline.database.db, { userId: pipeline.userId })
  }, 60_000)
  afterAll(() => pipeline?.close())

  const send = async (method: 'PATCH' | 'DELETE' | 'GET', id: number, payload?: object, as = owner) => {
    const response = await pipeline.app.inject({ method, url: `/products/${id}`, headers: as, payload })
    return { statusCode: response.statusCode, body: response.body ? response.json() : undefined }
  }
  const filesOf = async (id: number) =>
    (await readdir(path.join(pipeline.imagesDir, String(id))).catch(() => [] as string[])).sort()
  const filesOfImage = async (id: number, file: string) =>
    (await filesOf(id)).filter((name) => name.startsWith(`${sourceName(pipeline.images.url(file))}.`))

  it('changes fields without touching the images, whatever the status', async () => {
    const id = await pipeline.postProduct(['/held-patch.jpg'])
    await expect.poll(async () => (await pipeline.getProduct(id)).status).toBe('processing')
    const changed = await send('PATCH', id, { product_name: 'Stool', product_price: 80.5 })
    expect(changed.statusCode).toBe(200)
    expect(changed.body).toMatchObject({ product_name: 'Stool', product_price: 80.5, product_description: 'Oak' })
    held.patch.release()
    const done = await pipeline.settled(id)
    expect(done).toMatchObject({ status: 'done', product_name: 'Stool', product_price: 80.5 })
  })

  it('new images: keeps the files of a URL that stays, makes the new, removes the dropped', async () => {
    const id = await pipeline.postProduct(['/a.jpg', '/b.jpg'])
    const before = await pipeline.settled(id)
    const [downloadsA, downloadsB] = [hits('/a.jpg'), hits('/b.jpg')]
    const filesOfA = await filesOfImage(id, '/a.jpg')
    expect(await filesOfImage(id, '/b.jpg')).not.toEqual([])

    const changed = await send('PATCH', id, { product_images: ['/c.jpg', '/a.jpg'].map(pipeline.images.url) })
    expect(changed.statusCode).toBe(200)
    expect(changed.body.status).toBe('pending')
    // Until it is processed, the product shows what it still has: a.jpg, now second.
    expect(changed.body.images).toEqual([{ ...before.images[0], index: 1 }])

    const after = await pipeline.settled(id)
    expect(after.status).toBe('done')
    expect(after.images.map((image: { index: number }) => image.index)).toEqual([0, 1])
    expect(after.images[1]).toEqual({ ...before.images[0], index: 1 })
    expect(after.compressed_product_images[1]).toBe(before.compressed_product_images[0])
    expect(hits('/a.jpg')).toBe(downloadsA)
    expect(hits('/c.jpg')).toBe(1)
    expect(hits('/b.jpg')).toBe(downloadsB)
    // b.jpg's files are superseded, and go once the retention (0 here) has passed.
    await expect.poll(() => filesOfImage(id, '/b.jpg'), { timeout: 15_000 }).toEqual([])
    expect(await filesOfImage(id, '/a.jpg')).toEqual(filesOfA)
    expect(await filesOfImage(id, '/c.jpg')).not.toEqual([])
    expect(await pipeline.database.db.supersededImage.count({ where: { product_id: id } })).toBe(0)
  })

  it('the same images again change nothing and queue nothing', async () => {
    const id = await pipeline.postProduct(['/d.jpg'])
    const before = await pipeline.settled(id)
    const same = await send('PATCH', id, { product_images: before.product_images })
    expect(same.statusCode).toBe(200)
    expect(same.body).toMatchObject({ status: 'done', images: before.images })
  })

  it('answers 409 to new images while the product is pending or processing', async () => {
    const id = await pipeline.postProduct(['/held-delete.jpg'])
    await expect.poll(async () => (await pipeline.getProduct(id)).status).toBe('processing')
    const refused = await send('PATCH', id, { product_images: [pipeline.images.url('/e.jpg')] })
    expect(refused.statusCode).toBe(409)
    expect(refused.body.message).toMatch(/is processing: change its images once it is done or failed/)
  })

  it('checks each field as on create, and wants at least one', async () => {
    const id = await pipeline.postProduct(['/d.jpg'])
    for (const payload of [
      {},
      { user_id: 2 },
      { product_name: '' },
      { product_price: -1 },
      { product_images: [] },
      { product_images: ['file:///etc/passwd'] },
    ]) {
      const answer = await send('PATCH', id, payload)
      expect(answer.statusCode, JSON.stringify(payload)).toBe(400)
      expect(answer.body.message).toEqual(expect.any(String))
    }
    // As on create, a field the schema does not name is dropped, not stored.
    const extra = await send('PATCH', id, { product_name: 'Bench', colour: 'red' })
    expect(extra.statusCode).toBe(200)
    expect(extra.body).toMatchObject({ product_name: 'Bench' })
    expect(extra.body).not.toHaveProperty('colour')
  })

  it("answers 404 for another user's product, and lets an admin change and delete it", async () => {
    const id = await pipeline.postProduct(['/d.jpg'])
    await pipeline.settled(id)
    const stranger = await authorizationFor(pipeline.database.db, { userId: await createUser(pipeline.database.db) })
    expect((await send('PATCH', id, { product_name: 'Mine' }, stranger)).statusCode).toBe(404)
    expect((await send('DELETE', id, undefined, stranger)).statusCode).toBe(404)
    expect((await send('GET', id)).body.product_name).toBe('Chair')

    const admin = await authorizationFor(pipeline.database.db, { admin: true })
    expect((await send('PATCH', id, { product_name: 'Renamed' }, admin)).body.product_name).toBe('Renamed')
    expect((await send('DELETE', id, undefined, admin)).statusCode).toBe(204)
  })

  it('deletes the row at once and every file soon after; a second DELETE is a 404', async () => {
    const id = await pipeline.postProduct(['/e.jpg', '/f.jpg'])
    await pipeline.settled(id)
    expect(await filesOf(id)).not.toEqual([])

    const deleted = await send('DELETE', id)
    expect(deleted.statusCode).toBe(204)
    expect(deleted.body).toBeUndefined()
    expect((await send('GET', id)).statusCode).toBe(404)
    expect((await send('DELETE', id)).statusCode).toBe(404)
    expect((await send('PATCH', id, { product_name: 'Back' })).statusCode).toBe(404)

    const deletion = () => pipeline.database.db.productDeletion.findUnique({ where: { product_id: id } })
    await expect.poll(async () => (await deletion())?.files_removed_at, { timeout: 15_000 }).toBeInstanceOf(Date)
    await expect(readdir(path.join(pipeline.imagesDir, String(id)))).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('a worker processing the product as it is deleted does not bring its files back', async () => {
    const id = await pipeline.postProduct(['/a.jpg', '/held-delete.jpg'])
    await expect.poll(async () => (await pipeline.getProduct(id)).status).toBe('processing')
    // a.jpg is stored; held-delete.jpg waits for its source, and will be stored after the DELETE.
    await expect.poll(() => filesOfImage(id, '/a.jpg')).not.toEqual([])
    expect((await send('DELETE', id)).statusCode).toBe(204)
    held.delete.release()
    const finished = (outcome: string) =>
      pipeline.logs.waitFor(
        (line) => line.msg === 'product processed' && line.product_id === id && line.outcome === outcome,
      )
    await finished('deleted')
    // The run that held the product finished first, and wrote its files; the deletion came after.
    expect(pipeline.logs.lines.some((line) => line.product_id === id && line.outcome === 'done')).toBe(true)
    expect(await filesOf(id)).toEqual([])
    const row = await pipeline.database.db.productDeletion.findUnique({ where: { product_id: id } })
    expect(row?.files_removed_at).toBeInstanceOf(Date)
  })
})
