import net from 'node:net'

export interface TcpProxy {
  port: number
  /** Replaces `host:port` in a URL with the proxy's. */
  url(target: string): string
  /** Cuts every open connection: what clients see when the server drops them. */
  dropConnections(): void
  /** Stops accepting: connecting now fails as with a server that is down. */
  stop(): Promise<void>
  /** Accepts again on the same port. */
  start(): Promise<void>
  close(): Promise<void>
}

/**
 * A loopback TCP proxy in front of one service, so a test can fail that service for itself
 * alone, without touching the PostgreSQL or RabbitMQ that other test files share.
 */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>()
  const track = (socket: net.Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  }
  let server = net.createServer()
  let port = 0

  const listen = async () => {
    server = net.createServer((client) => {
      const upstream = net.connect(targetPort, targetHost)
      track(client)
      track(upstream)
      client.pipe(upstream).pipe(client)
      client.on('error', () => upstream.destroy())
      upstream.on('error', () => client.destroy())
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
    port = (server.address() as net.AddressInfo).port
  }
  const dropConnections = () => {
    for (const socket of sockets) socket.destroy()
  }
  const stop = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    dropConnections()
    await closed
  }

  await listen()
  return {
    get port() {
      return port
    },
    url(target) {
      const url = new URL(target)
      url.hostname = '127.0.0.1'
      url.port = String(port)
      return url.toString()
    },
    dropConnections,
    stop,
    start: listen,
    close: stop,
  }
}
