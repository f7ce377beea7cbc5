import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { API_KEY_PREFIX, generateApiKey, hashApiKey, isWellFormedApiKey } from '../../../src/auth/api-key.ts'

describe('API keys', () => {
  it('are the prefix and 256 random bits, base64url', () => {
    const key = generateApiKey()
    expect(key.startsWith(API_KEY_PREFIX)).toBe(true)
    const secret = Buffer.from(key.slice(API_KEY_PREFIX.length), 'base64url')
    expect(secret).toHaveLength(32)
    expect(isWellFormedApiKey(key)).toBe(true)
  })

  it('never repeat', () => {
    const keys = new Set(Array.from({ length: 1000 }, generateApiKey))
    expect(keys.size).toBe(1000)
  })

  it.each([
    ['empty', ''],
    ['without the prefix', generateApiKey().slice(API_KEY_PREFIX.length)],
    ['another prefix', `ghp_${generateApiKey().slice(4)}`],
    ['one character short', generateApiKey().slice(0, -1)],
    ['one character long', `${generateApiKey()}A`],
    ['with a space', `${generateApiKey().slice(0, -1)} `],
    ['with a character outside base64url', `${generateApiKey().slice(0, -1)}+`],
  ])('a string %s is not a key', (_case, key) => {
    expect(isWellFormedApiKey(key)).toBe(false)
  })

  it('are stored as their SHA-256, which says nothing of the key', () => {
    const key = generateApiKey()
    const hash = hashApiKey(key)
    expect(Buffer.from(hash).toString('hex')).toBe(createHash('sha256').update(key).digest('hex'))
    expect(hash).toHaveLength(32)
    expect(hashApiKey(key)).toEqual(hash)
    expect(hashApiKey(generateApiKey())).not.toEqual(hash)
  })
})
