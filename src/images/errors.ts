/** Machine-readable reasons for a permanent per-image failure, as GET /products/:id shows them. */
export type ReasonCode =
  | `http_${number}` // the image server answered 4xx (not 408/429)
  | 'bad_url' // not http(s), has credentials, or a redirect pointed somewhere unusable
  | 'blocked_address' // resolves to a loopback, private, link-local, metadata... address
  | 'too_many_redirects'
  | 'too_large' // more bytes than DOWNLOAD_MAX_BYTES
  | 'not_an_image' // bytes that no decoder recognises (HTML, JSON...)
  | 'format_not_allowed' // an image, but not in IMAGE_ALLOWED_FORMATS
  | 'too_many_pixels' // more than IMAGE_MAX_INPUT_PIXELS: refused before decoding
  | 'corrupt_image' // truncated or damaged
  | 'timeout' // the image server was too slow on two attempts in a row (DOWNLOAD_*_TIMEOUT_MS)

/** Any reason an image is recorded with: a permanent one, or why the last attempt failed. */
export type FailureCode = ReasonCode | 'unavailable'

/**
 * A failure that will not go away by trying again (404, not an image, too large): it is recorded
 * on the product. Anything else thrown while processing an image counts as transient and is retried.
 */
export class PermanentImageError extends Error {
  constructor(
    readonly code: ReasonCode,
    message: string,
  ) {
    super(message)
    this.name = 'PermanentImageError'
  }
}

/**
 * The image server was too slow: no connection, no headers, a silence or the whole download past
 * its deadline. Transient the first time (the server may be slow today only); the same image
 * timing out again on a later attempt is recorded as failed (process-product.ts).
 */
export class ImageTimeoutError extends Error {
  readonly code = 'timeout'
  override name = 'ImageTimeoutError'
}

export interface ImageFailure {
  index: number
  url: string
  code: string
  message: string
}

// What API clients are told of a failure: the code and a sentence that names no address, port or
// network detail (the worker logs those), so the worker cannot be used to map hosts.
const MESSAGES: Record<Exclude<FailureCode, `http_${number}`>, string> = {
  bad_url: 'the URL, or a redirect from it, is not an http(s) URL that may be fetched',
  blocked_address: 'the image host is not one that may be fetched',
  too_many_redirects: 'the image server redirected too many times',
  too_large: 'the image is larger than allowed',
  not_an_image: 'the source is not an image',
  format_not_allowed: 'the image format is not allowed',
  too_many_pixels: 'the image has more pixels than allowed',
  corrupt_image: 'the image is truncated or damaged',
  timeout: 'the image server was too slow to answer or to send the image',
  unavailable: 'the image could not be downloaded: the connection failed or the server had an error',
}

/** The client-facing sentence for a failure code. */
export const failureMessage = (code: FailureCode): string =>
  code.startsWith('http_') ? `the image server answered ${code.slice(5)}` : MESSAGES[code as keyof typeof MESSAGES]

/** 4xx means the URL is wrong for good; 408/429 and 5xx are the server's passing trouble. */
export function isPermanentHttpStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429
}
