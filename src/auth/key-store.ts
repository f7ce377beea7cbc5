import type { Db } from '../db/client.ts'
import { isMissingReference } from '../db/errors.ts'
import { generateApiKey, hashApiKey } from './api-key.ts'
import type { Principal } from './principal.ts'

/** Whom a new key acts for: one user, or every user (an admin key). */
export type KeyOwner = { userId: number } | { admin: true }

export class UnknownUserError extends Error {}

/** Creates a key. The key itself is returned this once: only its hash is stored. */
export async function createApiKey(db: Db, owner: KeyOwner, name = ''): Promise<{ id: number; key: string }> {
  const key = generateApiKey()
  const userId = 'userId' in owner ? owner.userId : null
  try {
    const { id } = await db.apiKey.create({
      data: { user_id: userId, admin: userId === null, name, key_hash: hashApiKey(key) },
      select: { id: true },
    })
    return { id, key }
  } catch (error) {
    if (isMissingReference(error)) throw new UnknownUserError(`user ${userId} does not exist`)
    throw error
  }
}

/** Every key, oldest first, without its hash. */
export const listApiKeys = (db: Db) =>
  db.apiKey.findMany({
    select: {
      id: true,
      user_id: true,
      admin: true,
      name: true,
      created_at: true,
      last_used_at: true,
      revoked_at: true,
    },
    orderBy: { id: 'asc' },
  })

/** Revokes a key for good; revoking it again changes nothing. */
export async function revokeApiKey(db: Db, id: number): Promise<'revoked' | 'already revoked' | 'unknown'> {
  const { count } = await db.apiKey.updateMany({ where: { id, revoked_at: null }, data: { revoked_at: new Date() } })
  if (count === 1) return 'revoked'
  return (await db.apiKey.count({ where: { id } })) === 1 ? 'already revoked' : 'unknown'
}

/**
 * The principal of the active (not revoked) key with this hash, marking the key used in the same
 * statement; undefined for any other hash.
 */
export async function usePrincipal(db: Db, keyHash: Uint8Array<ArrayBuffer>): Promise<Principal | undefined> {
  const [key] = await db.apiKey.updateManyAndReturn({
    where: { key_hash: keyHash, revoked_at: null },
    data: { last_used_at: new Date() },
    select: { id: true, admin: true, user_id: true },
  })
  if (key?.admin) return { keyId: key.id, admin: true }
  if (key?.user_id != null) return { keyId: key.id, admin: false, userId: key.user_id }
  return undefined
}
