/** Who a request acts for: the owner of its API key. */
export type Principal = { keyId: number; admin: true } | { keyId: number; admin: false; userId: number }

/** The products a principal may see: its user's own, or every product for an admin key. */
export const visibleTo = (principal: Principal): { user_id?: number } =>
  principal.admin ? {} : { user_id: principal.userId }

/** Whether a principal may create a product for the user `userId`. */
export const mayActFor = (principal: Principal, userId: number): boolean =>
  principal.admin || principal.userId === userId
