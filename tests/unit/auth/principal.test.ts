import { describe, expect, it } from 'vitest'
import { mayActFor, visibleTo, type Principal } from '../../../src/auth/principal.ts'

const user: Principal = { keyId: 1, admin: false, userId: 7 }
const admin: Principal = { keyId: 2, admin: true }

describe('what a key may do', () => {
  it("a user's key sees and creates only its own user's products", () => {
    expect(visibleTo(user)).toEqual({ user_id: 7 })
    expect(mayActFor(user, 7)).toBe(true)
    expect(mayActFor(user, 8)).toBe(false)
  })

  it('an admin key sees and creates every user’s products', () => {
    expect(visibleTo(admin)).toEqual({})
    expect(mayActFor(admin, 7)).toBe(true)
    expect(mayActFor(admin, 8)).toBe(true)
  })
})
