import type { Recovery } from 'rascal'
import { describe, expect, it } from 'vitest'
import { isLastAttempt, productIdOf } from '../../../src/queue/subscriber.ts'

describe('productIdOf', () => {
  it('reads the product id', () => {
    expect(productIdOf({ product_id: 12 })).toBe(12)
  })

  it.each([null, 'text', {}, { product_id: '12' }, { product_id: 0 }, { product_id: 1.5 }, { id: 3 }])('refuses %j', (content) => {
    expect(productIdOf(content)).toBeUndefined()
  })
})

describe('isLastAttempt', () => {
  const recovery: Recovery[] = [
    { strategy: 'forward', publication: 'retry', attempts: 3 },
    { strategy: 'forward', publication: 'dead' },
  ]
  const message = (forwarded?: number) => ({
    properties: {
      headers: { rascal: { originalQueue: 'ns:products.process', recovery: forwarded === undefined ? {} : { 'ns:products.process': { forwarded } } } },
    },
  })

  it('is not the last attempt while retries remain', () => {
    expect(isLastAttempt(message() as never, recovery)).toBe(false)
    expect(isLastAttempt(message(2) as never, recovery)).toBe(false)
  })

  it('is the last attempt once the retries are used up', () => {
    expect(isLastAttempt(message(3) as never, recovery)).toBe(true)
  })
})
