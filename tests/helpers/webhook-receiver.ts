import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders
  body: string
  /** The status it was answered with. */
  status: number
}

export interface WebhookReceiver {
  /** The URL to register. */
  url: string
  /** `127.0.0.1:<port>`: the endpoint to allow in ALLOW_PRIVATE_WEBHOOK_URLS. */
  host: string
  received: ReceivedWebhook[]
  /** Statuses to answer with, in turn; once used up, 200. */
  answers: number[]
  /** Resolves once `count` requests have arrived (within 30 s). */
  waitFor(count: number): Promise<ReceivedWebhook[]>
  /** Stops listening (connections are refused) while keeping the port, until `start()`. */
  stop(): Promise<void>
  start(): Promise<void>
  close(): Promise<void>
}

/** A webhook receiver on loopback that records what it gets and answers as the test says. */
export async function startWebhookReceiver(answers: number[] = []): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const status = receiver.answers.shift() ?? 200
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), status })
      response.writeHead(status, { 'content-type': 'text/plain' }).end(String(status))
    })
  })
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  await listen(0)
  const { port } = server.address() as AddressInfo
  const stop = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections()
      server.close((err) => (err ? reject(err) : resolve()))
    })
  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${port}/hooks`,
    host: `127.0.0.1:${port}`,
    received,
    answers,
    async waitFor(count) {
      for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
        if (received.length >= count) return received
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      throw new Error(`the receiver got ${received.length} requests, not ${count}, within 30 s`)
    },
    stop,
    start: () => listen(port),
    close: () => (server.listening ? stop() : Promise.resolve()),
  }
  return receiver
}
