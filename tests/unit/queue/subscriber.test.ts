import type { Recovery } from 'rascal'
import { describe, expect, it } from 'vitest'
import { attemptOf, forwardedOf, productIdOf } from '../../../src/queue/subscriber.ts'

describe('productIdOf', () => {
  it('reads the product id', () => {
    expect(productIdOf({ product_id: 12 })).toBe(12)
  })

  it.each([null, 'text', {}, { product_id: '12' }, { product_id: 0 }, { product_id: 1.5 }, { id: 3 }])(
    'refuses %j',
    (content) => {
      expect(productIdOf(content)).toBeUndefined()
    },
  )
})

describe('attemptOf', () => {
  const recovery: Recovery[] = [
    { strategy: 'forward', publication: 'retry', attempts: 3 },
    { strategy: 'forward', publication: 'dead' },
  ]
  const message = (forwarded?: number) => ({
    properties: {
      headers: {
        rascal: {
          originalQueue: 'ns:products.process',
          recovery: forwarded === undefined ? {} : { 'ns:products.process': { forwarded } },
        },
      },
    },
  })

  it('is the first attempt, not a retry, before any forward', () => {
    expect(attemptOf(message() as never, recovery)).toEqual({ retry: false, last: false })
  })

  it('is a retry, not the last, while retries remain', () => {
    expect(attemptOf(message(1) as never, recovery)).toEqual({ retry: true, last: false })
    expect(attemptOf(message(2) as never, recovery)).toEqual({ retry: true, last: false })
  })

  it('is the last attempt once the retries are used up', () => {
    expect(attemptOf(message(3) as never, recovery)).toEqual({ retry: true, last: true })
  })
})

describe('attemptOf, through a chain of waits', () => {
  // As the webhook deliveries' recovery: one forward a wait queue, counted together by rascal.
  const recovery: Recovery[] = [
    { strategy: 'forward', publication: 'wait', attempts: 1 },
    { strategy: 'forward', publication: 'wait', attempts: 2 },
    { strategy: 'forward', publication: 'dead' },
  ]
  const message = (forwarded: number) => ({
    properties: { headers: { rascal: { originalQueue: 'q', recovery: { q: { forwarded } } } } },
  })

  it('is the last attempt only after the last wait', () => {
    expect(forwardedOf(message(1) as never)).toBe(1)
    expect(attemptOf(message(1) as never, recovery)).toEqual({ retry: true, last: false })
    expect(attemptOf(message(2) as never, recovery)).toEqual({ retry: true, last: true })
  })
})
