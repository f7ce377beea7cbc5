import { describe, expect, it } from 'vitest'
import { ImageTimeoutError, PermanentImageError } from '../../../src/images/errors.ts'
import type { ImageRecord } from '../../../src/images/image-record.ts'
import { summarize, timedOutIn } from '../../../src/images/process-product.ts'

const urls = ['http://a/0.jpg', 'http://a/1.jpg', 'http://a/2.jpg']
const record = (index: number): ImageRecord => ({
  index,
  path: `/i/${index}.webp`,
  width: 640,
  height: 480,
  bytes: 1000,
  format: 'webp',
  variants: [],
  thumbhash: 'AAAA',
  dominant_color: '#000000',
})
const ok = (index: number): PromiseSettledResult<ImageRecord> => ({ status: 'fulfilled', value: record(index) })
const failed = (reason: Error): PromiseSettledResult<ImageRecord> => ({ status: 'rejected', reason })

describe('summarize', () => {
  it('keeps the records in the order of the source images', () => {
    expect(summarize(urls, [ok(0), ok(1), ok(2)])).toEqual({ records: [record(0), record(1), record(2)], failures: [] })
  })

  it('records a permanent failure with its code and keeps the other records in order', () => {
    const summary = summarize(urls, [ok(0), failed(new PermanentImageError('http_404', 'gone')), ok(2)])
    expect(summary.records.map((r) => r.path)).toEqual(['/i/0.webp', '/i/2.webp'])
    expect(summary.failures).toEqual([
      { index: 1, url: 'http://a/1.jpg', code: 'http_404', message: 'the image server answered 404' },
    ])
    expect(summary.transient).toBeUndefined()
  })

  it('reports the first transient error, to be retried', () => {
    const reset = new Error('socket hang up')
    const summary = summarize(urls, [failed(reset), failed(new Error('later')), ok(2)])
    expect(summary.transient).toBe(reset)
    expect(summary.failures.map((f) => f.code)).toEqual(['unavailable', 'unavailable'])
  })

  it('tells clients the code and a sentence of its own, never the network details in the error', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432'), { code: 'ECONNREFUSED' })
    const blocked = new PermanentImageError('blocked_address', 'vm:3918 (127.0.0.1) is in a blocked range (loopback)')
    const { failures } = summarize(urls, [failed(refused), failed(blocked), ok(2)])
    expect(failures.map((f) => f.message)).toEqual([
      'the image could not be downloaded: the connection failed or the server had an error',
      'the image host is not one that may be fetched',
    ])
    expect(JSON.stringify(failures)).not.toMatch(/10\.0\.0\.7|127\.0\.0\.1|5432|3918|vm/)
  })

  it('retries a first timeout, and fails an image that timed out on the attempt before too', () => {
    const slow = () => new ImageTimeoutError('the download took longer than 30000 ms')
    const first = summarize(urls, [failed(slow()), ok(1), ok(2)])
    expect(first.failures).toEqual([
      {
        index: 0,
        url: 'http://a/0.jpg',
        code: 'timeout',
        message: 'the image server was too slow to answer or to send the image',
      },
    ])
    expect(first.transient).toBeInstanceOf(ImageTimeoutError)
    const again = summarize(urls, [failed(slow()), ok(1), ok(2)], new Set([0]))
    expect(again.failures.map((f) => f.code)).toEqual(['timeout'])
    expect(again.transient).toBeUndefined()
    expect(again.records.map((r) => r.index)).toEqual([1, 2])
  })

  it('still retries another image that times out for the first time beside it', () => {
    const slow = () => new ImageTimeoutError('slow')
    expect(summarize(urls, [failed(slow()), failed(slow()), ok(2)], new Set([0])).transient).toBeInstanceOf(
      ImageTimeoutError,
    )
  })
})

describe('timedOutIn', () => {
  it('finds the images whose recorded failure is a timeout', () => {
    expect(
      timedOutIn([
        { index: 0, code: 'timeout' },
        { index: 2, code: 'unavailable' },
        { index: 3, code: 'timeout', url: 'x', message: 'y' },
      ]),
    ).toEqual(new Set([0, 3]))
  })

  it.each([null, 'text', {}, [{ index: '1', code: 'timeout' }], [null]])(
    'ignores what a hand-edited column may hold: %j',
    (value) => {
      expect(timedOutIn(value)).toEqual(new Set())
    },
  )
})
