import { Agent, request, type Dispatcher } from 'undici'
import type { Config } from '../config.ts'
import { parseAddressPolicy, type AddressPolicy } from './address-policy.ts'
import { PermanentImageError, isPermanentHttpStatus } from './errors.ts'
import { guardedConnector } from './guarded-connector.ts'
import { imageUrlProblem } from './url-policy.ts'

export interface DownloadOptions {
  maxBytes: number
  /** The whole download, redirects and body included: cuts off a body that drips slowly. */
  timeoutMs: number
  connectTimeoutMs: number
  headersTimeoutMs: number
  /** Longest silence between two chunks of a body. */
  idleTimeoutMs: number
  maxRedirects: number
  addressPolicy: AddressPolicy
}

export interface Downloader {
  download(url: string): Promise<Buffer>
  close(): Promise<void>
}

export function downloadOptions(config: Config): DownloadOptions {
  return {
    maxBytes: config.DOWNLOAD_MAX_BYTES,
    timeoutMs: config.DOWNLOAD_TIMEOUT_MS,
    connectTimeoutMs: config.DOWNLOAD_CONNECT_TIMEOUT_MS,
    headersTimeoutMs: config.DOWNLOAD_HEADERS_TIMEOUT_MS,
    idleTimeoutMs: config.DOWNLOAD_IDLE_TIMEOUT_MS,
    maxRedirects: config.DOWNLOAD_MAX_REDIRECTS,
    addressPolicy: parseAddressPolicy(config.ALLOW_PRIVATE_IMAGE_URLS),
  }
}

/** One connection pool for all downloads of a worker; every connection passes the address policy. */
export function createDownloader(options: DownloadOptions): Downloader {
  const dispatcher = new Agent({
    connect: guardedConnector(options.addressPolicy, { timeout: options.connectTimeoutMs }),
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.idleTimeoutMs,
  })
  return {
    download: (url) => download(dispatcher, url, options),
    close: () => dispatcher.close(),
  }
}

async function download(dispatcher: Dispatcher, url: string, options: DownloadOptions): Promise<Buffer> {
  const signal = AbortSignal.timeout(options.timeoutMs)
  try {
    const { body, declared } = await openImage(dispatcher, url, options, signal)
    return await readCapped(body, options.maxBytes, declared)
  } catch (error) {
    // Transient, as any timeout: the server may be slow today only.
    if (signal.aborted && !(error instanceof PermanentImageError)) throw new Error(`the download took longer than ${options.timeoutMs} ms`, { cause: error })
    throw error
  }
}

const isRedirect = (status: number) => [301, 302, 303, 307, 308].includes(status)

/**
 * The body of a 200 answer. Follows redirects itself rather than with undici's interceptor,
 * so that each hop passes the URL policy too (scheme, no credentials); the connector checks
 * each hop's address.
 */
async function openImage(dispatcher: Dispatcher, url: string, options: DownloadOptions, signal: AbortSignal) {
  let current = checkedUrl(url)
  for (let hops = 0; ; hops++) {
    const { statusCode, headers, body } = await request(current, { dispatcher, signal, headers: { accept: 'image/*' } })
    if (statusCode === 200) {
      const declared = Number(headers['content-length'])
      if (declared > options.maxBytes) {
        body.destroy()
        throw tooLarge(options.maxBytes)
      }
      return { body, declared: Number.isSafeInteger(declared) && declared >= 0 ? declared : undefined }
    }
    await body.dump({ signal, limit: 64 * 1024 })
    const location = headers.location
    if (isRedirect(statusCode) && typeof location === 'string') {
      if (hops >= options.maxRedirects) throw new PermanentImageError('too_many_redirects', `more than ${options.maxRedirects} redirects from ${url}`)
      current = checkedUrl(location, current)
      continue
    }
    if (isPermanentHttpStatus(statusCode) || (statusCode >= 300 && statusCode < 400)) {
      throw new PermanentImageError(`http_${statusCode}`, `the image server answered ${statusCode}`)
    }
    throw new Error(`the image server answered ${statusCode}`)
  }
}

/** The URL to request; a redirect's Location is read relative to the URL that sent it. */
function checkedUrl(location: string, base?: string): string {
  const url = base && URL.canParse(location, base) ? new URL(location, base).href : location
  const problem = imageUrlProblem(url)
  if (problem) throw new PermanentImageError('bad_url', base ? `the redirect to ${location} ${problem}` : `${location} ${problem}`)
  return url
}

/**
 * Stops reading as soon as the cap is passed, whatever Content-Length claimed. With a declared
 * length within the cap, each chunk is copied into one buffer of that size as it arrives and let
 * go, instead of all chunks being held until joined: a large photo is not held twice. A body that
 * turns out longer than declared is read on in chunks.
 */
export async function readCapped(stream: AsyncIterable<Buffer> & { destroy(): unknown }, maxBytes: number, declaredBytes?: number): Promise<Buffer> {
  let whole = declaredBytes !== undefined && declaredBytes <= maxBytes ? Buffer.allocUnsafe(declaredBytes) : undefined
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    if (size + chunk.length > maxBytes) {
      stream.destroy()
      throw tooLarge(maxBytes)
    }
    if (whole && size + chunk.length <= whole.length) chunk.copy(whole, size)
    else {
      if (whole) chunks.push(whole.subarray(0, size))
      whole = undefined
      chunks.push(chunk)
    }
    size += chunk.length
  }
  return whole ? whole.subarray(0, size) : Buffer.concat(chunks, size)
}

const tooLarge = (maxBytes: number) => new PermanentImageError('too_large', `the image is larger than ${maxBytes} bytes`)
