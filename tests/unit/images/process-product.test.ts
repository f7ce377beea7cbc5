import { describe, expect, it } from 'vitest'
import { PermanentImageError } from '../../../src/images/errors.ts'
import { summarize } from '../../../src/images/process-product.ts'

const urls = ['http://a/0.jpg', 'http://a/1.jpg', 'http://a/2.jpg']
const ok = (value: string): PromiseSettledResult<string> => ({ status: 'fulfilled', value })
const failed = (reason: Error): PromiseSettledResult<string> => ({ status: 'rejected', reason })

describe('summarize', () => {
  it('keeps the paths in the order of the source images', () => {
    expect(summarize(urls, [ok('/i/0.webp'), ok('/i/1.webp'), ok('/i/2.webp')])).toEqual({
      paths: ['/i/0.webp', '/i/1.webp', '/i/2.webp'],
      failures: [],
    })
  })

  it('records a permanent failure with its code and keeps the other paths in order', () => {
    const summary = summarize(urls, [ok('/i/0.webp'), failed(new PermanentImageError('http_404', 'gone')), ok('/i/2.webp')])
    expect(summary.paths).toEqual(['/i/0.webp', '/i/2.webp'])
    expect(summary.failures).toEqual([{ index: 1, url: 'http://a/1.jpg', code: 'http_404', message: 'gone' }])
    expect(summary.transient).toBeUndefined()
  })

  it('reports the first transient error, to be retried', () => {
    const reset = new Error('socket hang up')
    const summary = summarize(urls, [failed(reset), failed(new Error('later')), ok('/i/2.webp')])
    expect(summary.transient).toBe(reset)
    expect(summary.failures.map((f) => f.code)).toEqual(['unavailable', 'unavailable'])
  })
})
