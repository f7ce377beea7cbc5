import { Agent, errors, request, type Dispatcher } from 'undici'
import type { Config } from '../config.ts'
import { parseAddressPolicy, type AddressPolicy } from './address-policy.ts'
import { fetchBudget, type FetchBudget } from './fetch-budget.ts'
import { ImageTimeoutError, PermanentImageError, isPermanentHttpStatus } from './errors.ts'
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
  /** Source bytes held at once, downloading or waiting for a core: the fetch stage's memory. */
  maxHeldBytes: number
  /** Connections to one image host (scheme, host and port) at once; more downloads from it wait their turn. */
  connectionsPerHost: number
}

/** A downloaded image, holding its share of the fetch budget until `release()`. */
export interface Source {
  data: Buffer
  release(): void
}

export interface Downloader {
  download(url: string): Promise<Source>
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
    maxHeldBytes: config.FETCH_MAX_BYTES,
    connectionsPerHost: config.FETCH_CONNECTIONS_PER_HOST,
  }
}

/**
 * The worker's fetch stage: one connection pool for all its downloads, capped per host, and one
 * budget of bytes. Every connection passes the address policy. Downloads run outside the CPU
 * slots: a slow or stalled host holds its own connections and bytes, never a core.
 */
export function createDownloader(options: DownloadOptions): Downloader {
  const dispatcher = new Agent({
    connect: guardedConnector(options.addressPolicy, { timeout: options.connectTimeoutMs }),
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.idleTimeoutMs,
    connections: options.connectionsPerHost,
  })
  const budget = fetchBudget(options.maxHeldBytes)
  return {
    download: (url) => download({ dispatcher, budget, url, options }),
    close: () => dispatcher.close(),
  }
}

const UNDICI_TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

/**
 * Counts the body's bytes against the fetch budget as they arrive. The deadline stops while a chunk
 * waits for room, which is no fault of the host's; undici's silence timer stops too, since the body
 * is paused meanwhile.
 */
async function download({
  dispatcher,
  budget,
  url,
  options,
}: {
  dispatcher: Dispatcher
  budget: FetchBudget
  url: string
  options: DownloadOptions
}): Promise<Source> {
  const clock = deadline(options.timeoutMs)
  const holding = budget.open()
  try {
    const { body, declared } = await openImage({ dispatcher, url, options, signal: clock.signal })
    const take = (bytes: number) => clock.pausedWhile(holding.take(bytes))
    return { data: await readCapped(body, { maxBytes: options.maxBytes, declared, take }), release: holding.release }
  } catch (error) {
    holding.release()
    if (error instanceof PermanentImageError) throw error
    if (clock.signal.aborted) {
      throw new ImageTimeoutError(`the download took longer than ${options.timeoutMs} ms`, { cause: error })
    }
    const code = (error as { code?: string }).code ?? ''
    if (error instanceof errors.UndiciError && UNDICI_TIMEOUTS.has(code)) {
      throw new ImageTimeoutError(error.message, { cause: error })
    }
    throw error
  } finally {
    clock.stop()
  }
}

/** An abort signal `ms` from now, whose clock can be stopped while the download waits on us, not on the host. */
function deadline(ms: number) {
  const controller = new AbortController()
  let left = ms
  let since = performance.now()
  let timer: NodeJS.Timeout | undefined = setTimeout(() => controller.abort(), left)
  const stop = () => {
    clearTimeout(timer)
    left -= performance.now() - since
  }
  return {
    signal: controller.signal,
    stop,
    async pausedWhile<T>(wait: Promise<T>): Promise<T> {
      stop()
      try {
        return await wait
      } finally {
        since = performance.now()
        timer = setTimeout(() => controller.abort(), Math.max(0, left))
      }
    },
  }
}

const isRedirect = (status: number) => [301, 302, 303, 307, 308].includes(status)

/**
 * The body of a 200 answer. Follows redirects itself rather than with undici's interceptor,
 * so that each hop passes the URL policy too (scheme, no credentials); the connector checks
 * each hop's address.
 */
async function openImage({
  dispatcher,
  url,
  options,
  signal,
}: {
  dispatcher: Dispatcher
  url: string
  options: DownloadOptions
  signal: AbortSignal
}) {
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
      if (hops >= options.maxRedirects) {
        throw new PermanentImageError('too_many_redirects', `more than ${options.maxRedirects} redirects from ${url}`)
      }
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
  if (problem) {
    throw new PermanentImageError('bad_url', base ? `the redirect to ${location} ${problem}` : `${location} ${problem}`)
  }
  return url
}

export interface ReadOptions {
  maxBytes: number
  /** Content-Length, when the server declared one. */
  declared?: number
  /** Waits until a chunk's bytes may be held (the fetch budget); reading pauses meanwhile. */
  take?: (bytes: number) => Promise<void>
}

/**
 * Stops reading as soon as the cap is passed, whatever Content-Length claimed. With a declared
 * length within the cap, each chunk is copied into one buffer of that size as it arrives and let
 * go, instead of all chunks being held until joined: a large photo is not held twice. A body that
 * turns out longer than declared is read on in chunks.
 */
export async function readCapped(
  stream: AsyncIterable<Buffer> & { destroy(): unknown },
  { maxBytes, declared, take }: ReadOptions,
): Promise<Buffer> {
  let whole = declared !== undefined && declared <= maxBytes ? Buffer.allocUnsafe(declared) : undefined
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    if (size + chunk.length > maxBytes) {
      stream.destroy()
      throw tooLarge(maxBytes)
    }
    await take?.(chunk.length)
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

const tooLarge = (maxBytes: number) =>
  new PermanentImageError('too_large', `the image is larger than ${maxBytes} bytes`)
