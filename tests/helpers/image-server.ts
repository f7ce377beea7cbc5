import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export type Route = (request: IncomingMessage, response: ServerResponse) => void

export interface ImageServer {
  /** Absolute URL of a path on this server. */
  url(path: string): string
  /** `127.0.0.1:<port>`: the endpoint to allow in ALLOW_PRIVATE_IMAGE_URLS. */
  host: string
  /** Requests seen per path, to tell how often something was downloaded. */
  hits: Map<string, number>
  close(): Promise<void>
}

export const serve =
  (body: Buffer | string, contentType = 'image/jpeg', status = 200): Route =>
  (_request, response) => {
    response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) })
    response.end(body)
  }

/** An HTTP server on loopback whose paths the test defines; unknown paths answer 404. */
export async function startImageServer(routes: Record<string, Route>): Promise<ImageServer> {
  const hits = new Map<string, number>()
  const server = createServer((request, response) => {
    const path = request.url ?? '/'
    hits.set(path, (hits.get(path) ?? 0) + 1)
    const route = routes[path] ?? serve('not found', 'text/plain', 404)
    route(request, response)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    host: `127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections()
        server.close((err) => (err ? reject(err) : resolve()))
      }),
  }
}
