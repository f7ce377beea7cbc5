import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { newSecret, signedHeaders } from '../../../src/webhooks/signing.ts'

describe('newSecret', () => {
  it("is whsec_ and the base64 of 32 random bytes, as Standard Webhooks' libraries read it", () => {
    const secret = newSecret()
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32)
    expect(newSecret()).not.toBe(secret)
  })
})

describe('signedHeaders', () => {
  const secret = newSecret()
  const body = JSON.stringify({ type: 'product.done', timestamp: '2026-12-06T10:00:00.000Z', data: { product_id: 1 } })

  it("verifies with the library's own verifier, and gives the timestamp in seconds", () => {
    const at = new Date()
    const headers = signedHeaders(secret, { webhookId: 'product_1_done_1', body, at })
    expect(headers['webhook-id']).toBe('product_1_done_1')
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(at.getTime() / 1000)))
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/)
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body))
  })

  it('fails to verify with another secret, another body or another id', () => {
    const headers = signedHeaders(secret, { webhookId: 'a', body, at: new Date() })
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow()
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow()
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'b' })).toThrow()
  })

  it('is refused once old: receivers drop replays', () => {
    const headers = signedHeaders(secret, { webhookId: 'a', body, at: new Date(Date.now() - 60 * 60 * 1000) })
    expect(() => new Webhook(secret).verify(body, headers)).toThrow(/timestamp/i)
  })
})
