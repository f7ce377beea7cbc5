import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAddressPolicy } from '../../../src/images/address-policy.ts'
import { createDownloader, type Downloader, type DownloadOptions } from '../../../src/images/download.ts'
import { ImageTimeoutError, PermanentImageError } from '../../../src/images/errors.ts'
import { flood, lyingLength, redirect, silent, slowDrip } from '../../helpers/hostile-routes.ts'
import { serve, startImageServer, type ImageServer } from '../../helpers/image-server.ts'

// Two loopback servers: `images` is allow-listed (as a test's image host), `internal` stands for
// a private service the worker must never reach, and records every request it gets.
describe('downloader against hostile servers (loopback)', () => {
  const MAX_BYTES = 256 * 1024
  const bigFlood = flood(100 * 1024 * 1024)
  const declaredTooBig = flood(100 * 1024 * 1024, 10 * 1024 * 1024)
  const liar = lyingLength(100, Buffer.alloc(50 * 1024 * 1024, 0xcd))
  let images: ImageServer
  let internal: ImageServer
  let downloader: Downloader
  let options: DownloadOptions

  beforeAll(async () => {
    internal = await startImageServer({ '/secret': serve('internal secret', 'text/plain') })
    images = await startImageServer({
      '/photo.jpg': serve(Buffer.alloc(1000, 7)),
      '/hop/1': redirect('/hop/2', 301),
      '/hop/2': redirect('/hop/3', 307),
      '/hop/3': redirect(internal.url('/secret')),
      '/loop': redirect('/loop'),
      '/to-photo': redirect('/photo.jpg', 308),
      '/to-ftp': redirect('ftp://files.example/a.jpg'),
      '/to-credentials': redirect('http://user:pw@images.example/photo.jpg'),
      '/to-metadata': redirect('http://169.254.169.254/latest/meta-data/iam/security-credentials/'),
      '/drip': slowDrip(20),
      '/silent': silent(),
      '/flood': bigFlood.route,
      '/declared-too-big': declaredTooBig.route,
      '/liar': liar.route,
      '/busy': serve('busy', 'text/plain', 503),
    })
    options = {
      maxBytes: MAX_BYTES,
      timeoutMs: 1500,
      connectTimeoutMs: 1000,
      headersTimeoutMs: 700,
      idleTimeoutMs: 700,
      maxRedirects: 3,
      addressPolicy: parseAddressPolicy(images.host),
      maxHeldBytes: 64 * 1024 * 1024,
      connectionsPerHost: 4,
    }
    downloader = createDownloader(options)
  })
  afterAll(async () => {
    await downloader?.close()
    await images?.close()
    await internal?.close()
  })

  const failure = (url: string) =>
    downloader.download(url).then(
      () => expect.fail(`${url} was downloaded`),
      (error: Error) => error,
    )
  const bytesOf = async (url: string) => {
    const source = await downloader.download(url)
    source.release()
    return source.data
  }

  it('downloads from the allowed endpoint, also through redirects', async () => {
    expect(await bytesOf(images.url('/photo.jpg'))).toEqual(Buffer.alloc(1000, 7))
    expect(await bytesOf(images.url('/to-photo'))).toHaveLength(1000)
  })

  it('re-checks every redirect hop: a chain ending at a private address is refused and never reaches it', async () => {
    const error = await failure(images.url('/hop/1'))
    expect(error).toMatchObject({
      code: 'blocked_address',
      message: `${internal.host} is in a blocked range (loopback)`,
    })
    expect(['/hop/1', '/hop/2', '/hop/3'].map((path) => images.hits.get(path))).toEqual([1, 1, 1])
    expect(internal.hits.size).toBe(0)
  })

  it.each([
    'http://127.1:PORT/secret',
    'http://0x7f000001:PORT/secret',
    'http://0:PORT/secret',
    'http://[::ffff:127.0.0.1]:PORT/secret',
    'http://localhost:PORT/secret',
  ])('refuses %s: the allowance is for one address and port only', async (template) => {
    const port = internal.host.split(':')[1]!
    expect(await failure(template.replace('PORT', port))).toMatchObject({ code: 'blocked_address' })
    expect(internal.hits.size).toBe(0)
  })

  it('refuses a redirect to cloud metadata without connecting', async () => {
    expect(await failure(images.url('/to-metadata'))).toMatchObject({
      code: 'blocked_address',
      message: /cloud metadata/,
    })
  })

  it('follows at most the configured number of redirects', async () => {
    expect(await failure(images.url('/loop'))).toMatchObject({ code: 'too_many_redirects' })
    expect(images.hits.get('/loop')).toBe(options.maxRedirects + 1)
  })

  it('refuses redirects to other schemes or with credentials, and URLs with credentials', async () => {
    expect(await failure(images.url('/to-ftp'))).toMatchObject({ code: 'bad_url', message: /must use http or https/ })
    expect(await failure(images.url('/to-credentials'))).toMatchObject({ code: 'bad_url', message: /credentials/ })
    const before = images.hits.get('/photo.jpg')
    expect(await failure(images.url('/photo.jpg').replace('//', '//user:pw@'))).toMatchObject({ code: 'bad_url' })
    expect(images.hits.get('/photo.jpg')).toBe(before)
  })

  it('cuts off an endless slow-drip body at the total timeout, as a timeout', async () => {
    const started = performance.now()
    const error = await failure(images.url('/drip'))
    expect(error).toBeInstanceOf(ImageTimeoutError)
    expect(error).toMatchObject({ code: 'timeout', message: 'the download took longer than 1500 ms' })
    expect(performance.now() - started).toBeLessThan(3000)
  })

  it('gives up on a server that never sends headers, as a timeout', async () => {
    const started = performance.now()
    const error = await failure(images.url('/silent'))
    expect(error).toBeInstanceOf(ImageTimeoutError)
    expect(performance.now() - started).toBeLessThan(1400)
  })

  it('stops reading a body without Content-Length once it passes the cap', async () => {
    expect(await failure(images.url('/flood'))).toMatchObject({ code: 'too_large' })
    await expect.poll(() => bigFlood.sent(), { timeout: 2000 }).toBeGreaterThan(MAX_BYTES)
    // What the server got out before the hang-up: the cap plus socket buffers, not 100 MiB.
    expect(bigFlood.sent()).toBeLessThan(20 * 1024 * 1024)
  })

  it('refuses a declared Content-Length over the cap before reading the body', async () => {
    expect(await failure(images.url('/declared-too-big'))).toMatchObject({ code: 'too_large' })
    expect(declaredTooBig.sent()).toBeLessThan(20 * 1024 * 1024)
  })

  it('reads no more than a lying small Content-Length: the excess is never buffered', async () => {
    // undici takes the declared bytes, or (when the excess arrives before they are read) drops the
    // connection as a network error; which one depends on timing. Never more than declared.
    const outcome = await bytesOf(images.url('/liar')).catch((error: Error) => error)
    if (outcome instanceof Error) {
      expect(outcome).toMatchObject({ code: expect.stringMatching(/^UND_ERR_(SOCKET|RES_CONTENT_LENGTH_MISMATCH)$/) })
    } else expect(outcome).toEqual(Buffer.alloc(100, 0xcd))
    expect(liar.sent()).toBeLessThan(20 * 1024 * 1024)
  })

  it('treats 5xx as transient and 4xx as permanent', async () => {
    expect(await failure(images.url('/busy'))).not.toBeInstanceOf(PermanentImageError)
    expect(await failure(images.url('/missing.jpg'))).toMatchObject({ code: 'http_404' })
  })
})

// The fetch stage's bounds: bytes held in memory, connections per host.
describe('downloader bounds (loopback)', () => {
  const MiB = 1024 * 1024
  let images: ImageServer
  let open = 0
  let mostOpen = 0
  const base = {
    maxBytes: 4 * MiB,
    timeoutMs: 1500,
    connectTimeoutMs: 1000,
    headersTimeoutMs: 1000,
    idleTimeoutMs: 1000,
    maxRedirects: 0,
  }
  const downloaders: Downloader[] = []
  const downloaderOf = (bounds: Pick<DownloadOptions, 'maxHeldBytes' | 'connectionsPerHost'>) => {
    const downloader = createDownloader({ ...base, addressPolicy: parseAddressPolicy(images.host), ...bounds })
    downloaders.push(downloader)
    return downloader
  }
  const settledYet = async (promise: Promise<unknown>) =>
    Promise.race([promise.then(() => true), new Promise((resolve) => setTimeout(resolve, 100, false))])

  beforeAll(async () => {
    const slow = (ms: number, body: Buffer) => (_request: unknown, response: import('node:http').ServerResponse) => {
      open++
      mostOpen = Math.max(mostOpen, open)
      setTimeout(() => serve(body)(_request as never, response), ms)
      response.on('close', () => open--)
    }
    images = await startImageServer({
      '/a.jpg': serve(Buffer.alloc(700 * 1024, 1)),
      '/b.jpg': serve(Buffer.alloc(700 * 1024, 2)),
      '/slow.jpg': slow(200, Buffer.alloc(100, 3)),
    })
  })
  afterAll(async () => {
    for (const downloader of downloaders) await downloader.close()
    await images?.close()
  })

  it('holds a body back until the bytes already held leave room for it', async () => {
    const downloader = downloaderOf({ maxHeldBytes: 1 * MiB, connectionsPerHost: 4 })
    const first = await downloader.download(images.url('/a.jpg'))
    const second = downloader.download(images.url('/b.jpg'))
    expect(await settledYet(second)).toBe(false)
    first.release()
    expect((await second).data).toEqual(Buffer.alloc(700 * 1024, 2))
    ;(await second).release()
  })

  it('does not count the wait for room against the download deadline: the host was not slow', async () => {
    const downloader = downloaderOf({ maxHeldBytes: 1 * MiB, connectionsPerHost: 4 })
    const first = await downloader.download(images.url('/a.jpg'))
    const second = downloader.download(images.url('/b.jpg'))
    await new Promise((resolve) => setTimeout(resolve, base.timeoutMs + 300))
    first.release()
    expect((await second).data).toHaveLength(700 * 1024)
    ;(await second).release()
  })

  it('opens at most the set number of connections to one host; the others wait their turn', async () => {
    const downloader = downloaderOf({ maxHeldBytes: 64 * MiB, connectionsPerHost: 2 })
    mostOpen = 0
    const sources = await Promise.all(Array.from({ length: 6 }, () => downloader.download(images.url('/slow.jpg'))))
    for (const source of sources) source.release()
    expect(sources.map((source) => source.data.length)).toEqual([100, 100, 100, 100, 100, 100])
    expect(mostOpen).toBe(2)
  })
})
