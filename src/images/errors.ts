/**
 * A failure that will not go away by trying again (404, not an image, too large): it is recorded
 * on the product. Anything else thrown while processing an image counts as transient and is retried.
 */
export class PermanentImageError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'PermanentImageError'
  }
}

export interface ImageFailure {
  index: number
  url: string
  code: string
  message: string
}

/** 4xx means the URL is wrong for good; 408/429 and 5xx are the server's passing trouble. */
export function isPermanentHttpStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429
}
