import { readFile, readdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sourceName } from '../../../src/images/storage/image-keys.ts'
import { serve, type Route } from '../../helpers/image-server.ts'
import { photoJpeg } from '../../helpers/images.ts'
import { startPipeline, type TestPipeline } from '../../helpers/pipeline.ts'

describe('KEEP_ORIGINALS=true', () => {
  let pipeline: TestPipeline
  let photo: Buffer
  let answering = true
  const hits = (file: string) => pipeline.images.hits.get(file) ?? 0

  beforeAll(async () => {
    photo = await photoJpeg(1000, 700)
    const route: Route = (request, response) =>
      answering ? serve(photo)(request, response) : serve('gone', 'text/plain', 404)(request, response)
    pipeline = await startPipeline({ routes: { '/photo.jpg': route }, env: { KEEP_ORIGINALS: 'true' } })
  }, 60_000)
  afterAll(() => pipeline?.close())

  it('keeps the source as downloaded, never serves it, and makes the image again from it', async () => {
    const id = await pipeline.postProduct(['/photo.jpg'])
    const done = await pipeline.settled(id)
    expect(done.status).toBe('done')
    const name = sourceName(pipeline.images.url('/photo.jpg'))
    const original = path.join(pipeline.imagesDir, String(id), `${name}.original`)
    expect(done.images[0].original).toBe(original)
    expect((await readFile(original)).equals(photo)).toBe(true)
    expect((await pipeline.app.inject({ url: `/images/${id}/${name}.original` })).statusCode).toBe(404)

    // The source host is gone, and the outputs are too (as after a change of settings): the
    // image is made again from the kept original, without a download.
    answering = false
    const folder = path.join(pipeline.imagesDir, String(id))
    for (const file of await readdir(folder)) if (!file.endsWith('.original')) await rm(path.join(folder, file))
    const downloads = hits('/photo.jpg')
    expect((await pipeline.reprocess(id)).statusCode).toBe(202)
    const again = await pipeline.settled(id)
    expect(again.status).toBe('done')
    expect(again.images[0]).toMatchObject({ width: done.images[0].width, original })
    expect(hits('/photo.jpg')).toBe(downloads)
  })
})

describe('KEEP_ORIGINALS=false (the default)', () => {
  let pipeline: TestPipeline
  beforeAll(async () => {
    pipeline = await startPipeline({ routes: { '/photo.jpg': serve(await photoJpeg(600, 400)) } })
  }, 60_000)
  afterAll(() => pipeline?.close())

  it('keeps no original', async () => {
    const id = await pipeline.postProduct(['/photo.jpg'])
    const done = await pipeline.settled(id)
    expect(done.images[0]).not.toHaveProperty('original')
    const files = await readdir(path.join(pipeline.imagesDir, String(id)))
    expect(files.filter((file) => file.endsWith('.original'))).toEqual([])
  })
})
