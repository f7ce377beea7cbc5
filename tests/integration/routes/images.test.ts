import Fastify, { type FastifyInstance } from 'fastify'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localStore } from '../../../src/images/storage/local-store.ts'
import images from '../../../src/routes/images.ts'

// GET /images/<key> from local disk: only image keys, only real files. The bucket's side is in
// tests/integration/images/storage/s3-pipeline.test.ts.
describe('GET /images/<key> with STORAGE=local', () => {
  let root: string
  let app: FastifyInstance
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'served-'))
    const dir = path.join(root, 'images')
    await mkdir(path.join(dir, '7'), { recursive: true })
    await writeFile(path.join(dir, '7', '0.webp'), 'RIFF....WEBP')
    await writeFile(path.join(dir, '7', '.hidden'), 'a dotfile')
    await writeFile(path.join(dir, '.hidden'), 'a dotfile')
    await writeFile(path.join(dir, '7', 'notes.txt'), 'not an image')
    await writeFile(path.join(dir, '7', '1.webp.3141592653'), 'half an image') // write-file-atomic's temporary file
    await writeFile(path.join(root, 'secret.webp'), 'outside the images directory')
    await symlink(path.join(root, 'secret.webp'), path.join(dir, '7', '2.webp'))
    await mkdir(path.join(root, 'elsewhere'))
    await writeFile(path.join(root, 'elsewhere', '0.webp'), 'outside the images directory')
    await symlink(path.join(root, 'elsewhere'), path.join(dir, '8'))
    app = Fastify()
    await app.register(images, { store: localStore(dir) })
  })
  afterAll(async () => {
    await app?.close()
    await rm(root, { recursive: true, force: true })
  })

  it('serves an image with its type, length, an ETag and a long cache lifetime', async () => {
    const response = await app.inject({ method: 'GET', url: '/images/7/0.webp' })
    expect(response.statusCode).toBe(200)
    expect(response.body).toBe('RIFF....WEBP')
    expect(response.headers).toMatchObject({
      'content-type': 'image/webp',
      'content-length': '12',
      'cache-control': 'public, max-age=31536000, immutable',
    })
    expect(response.headers.etag).toMatch(/^(W\/)?"[^"]+"$/)
  })

  it('answers 304 to a client that has the image already', async () => {
    const { etag } = (await app.inject({ method: 'GET', url: '/images/7/0.webp' })).headers
    const response = await app.inject({
      method: 'GET',
      url: '/images/7/0.webp',
      headers: { 'if-none-match': String(etag) },
    })
    expect(response.statusCode).toBe(304)
    expect(response.body).toBe('')
    expect(
      (await app.inject({ method: 'GET', url: '/images/7/0.webp', headers: { 'if-none-match': '"other"' } }))
        .statusCode,
    ).toBe(200)
  })

  it.each([
    ['a dotfile', '/images/7/.hidden'],
    ['a dotfile at the top', '/images/.hidden'],
    ['a file that is not an image key', '/images/7/notes.txt'],
    ["write-file-atomic's temporary file", '/images/7/1.webp.3141592653'],
    ['a symlink to a file outside', '/images/7/2.webp'],
    ['a file through a symlinked product folder', '/images/8/0.webp'],
    ['a product folder', '/images/7'],
    ['a path out of the directory', '/images/7/../../secret.webp'],
  ])('answers 404 for %s', async (_name, url) => {
    const response = await app.inject({ method: 'GET', url })
    expect(response.statusCode).toBe(404)
    expect(response.body).not.toMatch(/dotfile|not an image|half an image|outside/)
  })
})
