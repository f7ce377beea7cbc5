import { STATUS_CODES } from 'node:http'
import { Type } from '@sinclair/typebox'
import { ServerError } from '../error-handler.ts'

/** A 4xx as every route answers it: the status, its name, and what is wrong. */
export const ErrorReply = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  message: Type.String(),
})

// What every route behind an API key may answer besides its own statuses: no or a bad key, too
// many requests, and a failure of the server (the database down, say).
export const commonAnswers = { 401: ErrorReply, 429: ErrorReply, '5xx': ServerError }

/** The body of a 4xx answer: `errorReply(409, 'product 7 is processing')`. */
export const errorReply = (statusCode: number, message: string) => ({
  statusCode,
  error: STATUS_CODES[statusCode] ?? 'Error',
  message,
})

/** A key acting for a user it does not belong to. */
export const forbidden = (what: string) =>
  errorReply(403, `this API key belongs to another user: it may ${what} only for its own user_id`)

/** A user_id the database does not know (its foreign key refused the row). */
export const unknownUser = (userId: number) => errorReply(422, `user_id ${userId} does not exist`)
