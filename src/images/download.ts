import { Agent, interceptors, request, type Dispatcher } from 'undici'
import { PermanentImageError, isPermanentHttpStatus } from './errors.ts'

export interface DownloadOptions {
  maxBytes: number
  timeoutMs: number
  maxRedirects?: number
}

export interface Downloader {
  download(url: string): Promise<Buffer>
  close(): Promise<void>
}

/** One connection pool for all downloads of a worker, with redirects and timeouts built in. */
export function createDownloader({ maxBytes, timeoutMs, maxRedirects = 5 }: DownloadOptions): Downloader {
  const dispatcher: Dispatcher = new Agent({
    connect: { timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  }).compose(interceptors.redirect({ maxRedirections: maxRedirects }))

  return {
    download: (url) => download(dispatcher, url, maxBytes, timeoutMs),
    close: () => dispatcher.close(),
  }
}

async function download(dispatcher: Dispatcher, url: string, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  const { statusCode, headers, body } = await request(url, {
    dispatcher,
    signal: AbortSignal.timeout(timeoutMs),
    headers: { accept: 'image/*' },
  })
  if (statusCode !== 200) {
    await body.dump()
    if (statusCode >= 300 && statusCode < 400) throw new PermanentImageError('too_many_redirects', `more than the allowed redirects from ${url}`)
    if (isPermanentHttpStatus(statusCode)) throw new PermanentImageError(`http_${statusCode}`, `the image server answered ${statusCode}`)
    throw new Error(`the image server answered ${statusCode}`)
  }
  const declared = Number(headers['content-length'])
  if (declared > maxBytes) {
    body.destroy()
    throw tooLarge(maxBytes)
  }
  return readCapped(body, maxBytes)
}

/** Stops reading as soon as the cap is passed, whatever Content-Length claimed. */
export async function readCapped(stream: AsyncIterable<Buffer> & { destroy(): unknown }, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    size += chunk.length
    if (size > maxBytes) {
      stream.destroy()
      throw tooLarge(maxBytes)
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, size)
}

const tooLarge = (maxBytes: number) => new PermanentImageError('too_large', `the image is larger than ${maxBytes} bytes`)
