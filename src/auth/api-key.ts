import { createHash, randomBytes } from 'node:crypto'

/** Every key starts with it, so people and secret scanners can tell a key when they see one. */
export const API_KEY_PREFIX = 'pip_'

// 32 random bytes (256 bits), base64url: 43 characters after the prefix.
const API_KEY_PATTERN = /^pip_[A-Za-z0-9_-]{43}$/

export const generateApiKey = (): string => API_KEY_PREFIX + randomBytes(32).toString('base64url')

/** Whether a string can be a key at all: anything else is refused without asking the database. */
export const isWellFormedApiKey = (key: string): boolean => API_KEY_PATTERN.test(key)

/**
 * What the database stores instead of the key. A key is 256 random bits, so there is nothing to
 * brute-force and a fast hash is enough (a slow password hash would only slow every request).
 */
export const hashApiKey = (key: string): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(createHash('sha256').update(key).digest())
