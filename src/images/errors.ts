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
