import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3'
import { readdir } from 'node:fs/promises'
import sharp from 'sharp'
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest'
import { loadConfig } from '../../../../src/config.ts'
import { compressOptions } from '../../../../src/images/compress.ts'
import { encodingTag, sourceName } from '../../../../src/images/storage/image-keys.ts'
import { startEnvironment, type TestEnvironment } from '../../../helpers/environment.ts'
import { serve } from '../../../helpers/image-server.ts'
import { photoJpeg } from '../../../helpers/images.ts'
import { recordLogs } from '../../../helpers/logs.ts'
import { startS3Server, type S3Server } from '../../../helpers/s3-server.ts'
import { apiUrlOf, startService, stopService, type ServiceProcess } from '../../../helpers/service-process.ts'

// End to end with STORAGE=s3: the real API and worker processes, an S3-compatible server (s3rver).
let environment: TestEnvironment
let s3: S3Server
const services: ServiceProcess[] = []

beforeAll(async () => {
  const [landscape, portrait] = await Promise.all([photoJpeg(1200, 800), photoJpeg(600, 900)])
  environment = await startEnvironment({
    routes: { '/landscape.jpg': serve(landscape), '/portrait.jpg': serve(portrait) },
    log: recordLogs().log,
    label: 's3',
  })
  s3 = await startS3Server()
})
afterAll(async () => {
  await Promise.all(services.map(stopService))
  await s3?.close()
  await environment?.close()
})

it(
  'the worker stores the images in the bucket, the API serves them at its image URLs, and DELETE removes them',
  { timeout: 90_000 },
  async () => {
    // The API's rate limit is not what this test is about: the polling below asks many times a second.
    const env = environment.env({ ...s3.env(), RATE_LIMIT_PER_MINUTE: '100000' })
    const authorization = `Bearer ${environment.apiKey}`
    const api = startService('api', env)
    const worker = startService('worker', env)
    services.push(api, worker)
    onTestFailed(() =>
      services.forEach((s) =>
        console.log(
          s.lines
            .slice(-10)
            .map((l) => JSON.stringify(l))
            .join('\n'),
        ),
      ),
    )
    expect((await worker.waitFor((line) => line.msg === 'worker consuming', 60_000)).storage).toBe(`s3://${s3.bucket}`)
    const apiUrl = await apiUrlOf(api)

    const created = await fetch(`${apiUrl}/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({
        user_id: environment.userId,
        product_name: 'Stored in a bucket',
        product_description: '',
        product_images: ['/landscape.jpg', '/portrait.jpg'].map(environment.images.url),
        product_price: 12,
      }),
    })
    expect(created.status).toBe(201)
    const { product_id: id } = (await created.json()) as { product_id: number }
    const product = async () =>
      (await (await fetch(`${apiUrl}/products/${id}`, { headers: { authorization } })).json()) as Record<string, any>
    await expect.poll(async () => (await product()).status, { timeout: 60_000, interval: 100 }).toBe('done')

    const { compressed_product_images: locations, compressed_image_urls: urls, images } = await product()
    const tag = encodingTag(compressOptions(loadConfig({})))
    const keys = ['/landscape.jpg', '/portrait.jpg'].map((file) => `${id}/${sourceName(environment.images.url(file))}`)
    expect(locations).toEqual(keys.map((key) => `s3://${s3.bucket}/${key}.${tag}.webp`))
    expect(urls).toEqual(keys.map((key) => `/images/${key}.${tag}.webp`))
    expect(await readdir(environment.imagesDir)).toEqual([]) // nothing went to local disk

    // Every file, main images and variants (1200 wide: 256 and 640; 600 wide: 256), is in the bucket and served.
    type File = { path: string; url: string; width: number; height: number }
    const files: File[] = images.flatMap((image: File & { variants: File[] }) => [image, ...image.variants])
    expect(files.map((file) => file.width)).toEqual([1200, 256, 640, 600, 256])
    const bucket = s3.client()
    for (const file of files) {
      const Key = file.path.slice(`s3://${s3.bucket}/`.length)
      expect(Key).toBe(file.url.slice('/images/'.length))
      expect((await bucket.send(new HeadObjectCommand({ Bucket: s3.bucket, Key }))).ContentType).toBe('image/webp')
      const stored = Buffer.from(
        await (await bucket.send(new GetObjectCommand({ Bucket: s3.bucket, Key }))).Body!.transformToByteArray(),
      )

      const served = await fetch(apiUrl + file.url)
      expect(served.status).toBe(200)
      expect(served.headers.get('content-type')).toBe('image/webp')
      expect(served.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
      const body = Buffer.from(await served.arrayBuffer())
      expect(body.equals(stored)).toBe(true)
      expect(await sharp(body).metadata()).toMatchObject({ format: 'webp', width: file.width, height: file.height })
    }
    expect(images.map((image: File) => image.width / image.height)).toEqual([1200 / 800, 600 / 900])
    for (const missing of [
      `/images/${id}/7.${tag}.webp`,
      '/images/../package.json',
      `/images/${keys[0]}.${tag}.webp.tmp`,
    ]) {
      expect((await fetch(apiUrl + missing)).status, missing).toBe(404)
    }

    // Deleted: the product at once, then every object under its prefix.
    expect((await fetch(`${apiUrl}/products/${id}`, { method: 'DELETE', headers: { authorization } })).status).toBe(204)
    const objects = async () =>
      (await bucket.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${id}/` }))).KeyCount
    await expect.poll(objects, { timeout: 30_000, interval: 100 }).toBe(0)
    expect((await fetch(apiUrl + files[0]!.url)).status).toBe(404)
    bucket.destroy()
  },
)
