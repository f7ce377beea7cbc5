import { describe, expect, it } from 'vitest'
import { isPermanentHttpStatus } from '../../../src/images/errors.ts'

describe('isPermanentHttpStatus', () => {
  it.each([400, 401, 403, 404, 410, 415])('%i will not change by retrying', (status) => {
    expect(isPermanentHttpStatus(status)).toBe(true)
  })

  it.each([408, 429, 500, 502, 503, 504])('%i is worth a retry', (status) => {
    expect(isPermanentHttpStatus(status)).toBe(false)
  })
})
