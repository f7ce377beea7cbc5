import { describe, expect, it } from 'vitest'
import { verdictOf } from '../../../src/webhooks/verdict.ts'

describe('verdictOf', () => {
  it.each([200, 201, 202, 204, 299])('a %i is delivered: acked', (statusCode) => {
    expect(verdictOf({ statusCode }, { last: false })).toEqual({
      result: 'delivered',
      statusCode,
      error: null,
      then: 'ack',
    })
  })

  it('410 Gone disables the endpoint: recorded, and acked without retry', () => {
    expect(verdictOf({ statusCode: 410 }, { last: false })).toEqual({
      result: 'gone',
      statusCode: 410,
      error: 'http_410',
      then: 'ack',
    })
  })

  it.each([500, 502, 503, 429, 404, 401, 302, 301, 100])(
    'a %i is retried, and given up on the last attempt',
    (code) => {
      expect(verdictOf({ statusCode: code }, { last: false })).toEqual({
        result: 'failed',
        statusCode: code,
        error: `http_${code}`,
        then: 'retry',
      })
      expect(verdictOf({ statusCode: code }, { last: true })).toMatchObject({ result: 'gave_up', then: 'retry' })
    },
  )

  it.each(['timeout', 'unreachable'] as const)('no answer (%s) is retried', (error) => {
    expect(verdictOf({ error, detail: 'x' }, { last: false })).toEqual({
      result: 'failed',
      statusCode: null,
      error,
      then: 'retry',
    })
    expect(verdictOf({ error, detail: 'x' }, { last: true })).toMatchObject({ result: 'gave_up' })
  })

  it.each(['blocked_address', 'bad_url'] as const)('a refused URL (%s) is dead-lettered at once', (error) => {
    expect(verdictOf({ error, detail: 'x' }, { last: false })).toEqual({
      result: 'blocked',
      statusCode: null,
      error,
      then: 'dead_letter',
    })
  })
})
