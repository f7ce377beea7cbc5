import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/config.ts'
import { parseAddressPolicy } from '../../../src/images/address-policy.ts'
import { downloadOptions, readCapped } from '../../../src/images/download.ts'
import { guardedConnector } from '../../../src/images/guarded-connector.ts'

const chunks = (...sizes: number[]) => Readable.from(sizes.map((n) => Buffer.alloc(n, 1)))

describe('readCapped', () => {
  it('joins the chunks of a body within the cap', async () => {
    expect((await readCapped(chunks(10, 20, 30), { maxBytes: 60 })).length).toBe(60)
  })

  it('stops reading once the cap is passed', async () => {
    const stream = chunks(40, 40, 40)
    await expect(readCapped(stream, { maxBytes: 60 })).rejects.toMatchObject({ code: 'too_large' })
    expect(stream.destroyed).toBe(true)
  })

  it('fills one buffer of the declared length, and reads on in chunks past a length that lied', async () => {
    const numbered = (...sizes: number[]) => Readable.from(sizes.map((n, i) => Buffer.alloc(n, i + 1)))
    const expected = (...sizes: number[]) => Buffer.concat(sizes.map((n, i) => Buffer.alloc(n, i + 1)))
    expect((await readCapped(numbered(10, 20, 30), { maxBytes: 100, declared: 60 })).equals(expected(10, 20, 30))).toBe(
      true,
    )
    expect((await readCapped(numbered(10, 20, 30), { maxBytes: 100, declared: 25 })).equals(expected(10, 20, 30))).toBe(
      true,
    )
    expect((await readCapped(numbered(10, 20), { maxBytes: 100, declared: 60 })).equals(expected(10, 20))).toBe(true)
    await expect(readCapped(numbered(40, 40), { maxBytes: 60, declared: 50 })).rejects.toMatchObject({
      code: 'too_large',
    })
  })

  it('never pulls more than one chunk past the cap from an endless body', async () => {
    let pulled = 0
    const endless = new Readable({
      read: () => {
        pulled++
        endless.push(Buffer.alloc(1024))
      },
    })
    await expect(readCapped(endless, { maxBytes: 10 * 1024 })).rejects.toMatchObject({ code: 'too_large' })
    expect(pulled).toBeLessThan(20)
  })
})

describe('guardedConnector', () => {
  // Port 9 (discard) has no listener here: a connection attempt would fail with ECONNREFUSED instead.
  const connectTo = (hostname: string, setting = 'false') =>
    new Promise<Error | null>((resolve) => {
      guardedConnector(parseAddressPolicy(setting), { timeout: 1000 })(
        { hostname, port: '9', protocol: 'http:' },
        (error, socket) => {
          socket?.destroy()
          resolve(error)
        },
      )
    })

  it.each(['127.0.0.1', '0.0.0.0', '::1', '::ffff:127.0.0.1', 'localhost'])(
    'refuses %s before connecting',
    async (hostname) => {
      expect(await connectTo(hostname)).toMatchObject({
        code: 'blocked_address',
        message: expect.stringMatching(/blocked range \((loopback|unspecified)\)/),
      })
    },
  )

  it('lets an allowed endpoint through to the socket', async () => {
    expect(await connectTo('127.0.0.1', '127.0.0.1:9')).toMatchObject({ code: 'ECONNREFUSED' })
    expect(await connectTo('127.0.0.1', '127.0.0.1:10')).toMatchObject({ code: 'blocked_address' })
  })
})

describe('downloadOptions', () => {
  it('reads the limits and the address policy from the configuration', () => {
    const options = downloadOptions(
      loadConfig({ ALLOW_PRIVATE_IMAGE_URLS: '127.0.0.1:8080', DOWNLOAD_MAX_REDIRECTS: '2' }),
    )
    expect(options).toEqual({
      maxBytes: 20 * 1024 * 1024,
      timeoutMs: 30_000,
      connectTimeoutMs: 10_000,
      headersTimeoutMs: 10_000,
      idleTimeoutMs: 10_000,
      maxRedirects: 2,
      addressPolicy: { allowPrivate: false, allowedEndpoints: new Set(['127.0.0.1:8080']) },
      maxHeldBytes: 32 * 1024 * 1024,
      connectionsPerHost: 16,
    })
  })

  it('blocks private addresses unless told otherwise', () => {
    expect(downloadOptions(loadConfig({})).addressPolicy).toEqual({ allowPrivate: false, allowedEndpoints: new Set() })
  })
})
