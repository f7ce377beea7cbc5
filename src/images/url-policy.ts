/**
 * What an image URL must look like, judged the way the downloader will read it (WHATWG URL).
 * Shared by the API (refuses the product) and the worker (refuses stored URLs and redirect hops).
 */
export function imageUrlProblem(text: string): string | undefined {
  // WHATWG URL would quietly drop or encode these; the URL is stored as sent, so refuse them.
  if (/[\s\p{Cc}\p{Cs}]/u.test(text)) return 'must not contain spaces, control characters or lone surrogates'
  if (!URL.canParse(text)) return 'is not a valid URL'
  const url = new URL(text)
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http or https'
  // Credentials would be sent to whoever the URL names, and logged with it.
  if (url.username !== '' || url.password !== '') return 'must not contain credentials'
  return undefined
}
