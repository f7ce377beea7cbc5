import { describe, expect, it } from 'vitest'
import { PermanentImageError } from '../../../src/images/errors.ts'
import type { ImageRecord } from '../../../src/images/image-record.ts'
import { summarize } from '../../../src/images/process-product.ts'

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
    expect(summary.failures).toEqual([{ index: 1, url: 'http://a/1.jpg', code: 'http_404', message: 'gone' }])
    expect(summary.transient).toBeUndefined()
  })

  it('reports the first transient error, to be retried', () => {
    const reset = new Error('socket hang up')
    const summary = summarize(urls, [failed(reset), failed(new Error('later')), ok(2)])
    expect(summary.transient).toBe(reset)
    expect(summary.failures.map((f) => f.code)).toEqual(['unavailable', 'unavailable'])
  })
})
