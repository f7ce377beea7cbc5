import type { Writable } from 'node:stream'
import type { Route } from './image-server.ts'

// Misbehaving image servers for the hostile-input tests. Every loop here stops by itself.

export const redirect =
  (location: string, status = 302): Route =>
  (_request, response) => {
    response.writeHead(status, { location })
    response.end()
  }

/** Headers at once, then one byte every `everyMs` until the client leaves (or 30 s pass). */
export const slowDrip =
  (everyMs = 20): Route =>
  (_request, response) => {
    response.writeHead(200, { 'content-type': 'image/jpeg' })
    const timer = setInterval(() => response.write('x'), everyMs)
    const stop = setTimeout(() => response.end(), 30_000)
    response.on('close', () => {
      clearInterval(timer)
      clearTimeout(stop)
    })
  }

/** Accepts the request and never answers (until the client leaves). */
export const silent = (): Route => () => {}

export interface Flood {
  route: Route
  /** Bytes handed to the socket before the client hung up. */
  sent(): number
}

/** Writes `total` bytes, `pieceAt(offset)` at a time, as fast as the peer reads; stops when it hangs up. */
function pour(sink: Writable, total: number, pieceAt: (offset: number) => Buffer, tally: { sent: number }) {
  const pump = () => {
    while (tally.sent < total && !sink.destroyed) {
      const piece = pieceAt(tally.sent)
      tally.sent += piece.length
      if (!sink.write(piece)) {
        sink.once('drain', pump)
        return
      }
    }
    sink.end()
  }
  pump()
}

/** Streams `totalBytes` declaring `contentLength` (or nothing: chunked). */
export function flood(totalBytes: number, contentLength?: number): Flood {
  const tally = { sent: 0 }
  const chunk = Buffer.alloc(64 * 1024, 0xab)
  const route: Route = (_request, response) => {
    response.writeHead(200, {
      'content-type': 'image/jpeg',
      ...(contentLength === undefined ? {} : { 'content-length': contentLength }),
    })
    pour(response, totalBytes, () => chunk, tally)
  }
  return { route, sent: () => tally.sent }
}

/**
 * Declares `declared` bytes and then writes all of `actual` on the raw socket, as a lying server
 * would (Node's own response object refuses to send more than it declared).
 */
export function lyingLength(declared: number, actual: Buffer): Flood {
  const tally = { sent: 0 }
  const route: Route = ({ socket }) => {
    socket.on('error', () => {}) // the client hangs up on the excess: expected
    socket.write(`HTTP/1.1 200 OK\r\ncontent-type: image/jpeg\r\ncontent-length: ${declared}\r\n\r\n`)
    pour(socket, actual.length, (offset) => actual.subarray(offset, offset + 64 * 1024), tally)
  }
  return { route, sent: () => tally.sent }
}
