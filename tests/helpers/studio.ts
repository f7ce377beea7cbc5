import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import path from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'

const ROOT = path.resolve(import.meta.dirname, '../..')
const PRISMA_CLI = path.join(ROOT, 'node_modules/prisma/build/index.js')

export interface Studio {
  /** Where Studio serves its page, e.g. http://127.0.0.1:40123 */
  url: string
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
}

/**
 * `npm run studio` (Prisma Studio, prisma.config.ts of the project) on a free port, against
 * `databaseUrl`; resolves once it answers HTTP.
 */
export async function startStudio(databaseUrl: string, timeoutMs = 60_000): Promise<Studio> {
  const port = await freePort()
  const child = spawn(process.execPath, [PRISMA_CLI, 'studio', '--port', String(port), '--browser', 'none'], {
    cwd: ROOT,
    // No update check: there is no network to reach.
    env: { ...process.env, DATABASE_URL: databaseUrl, CHECKPOINT_DISABLE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk))
  const exited = once(child, 'exit')
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    await exited
  }

  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Prisma Studio exited with ${child.exitCode}:\n${output}`)
    const answered = await fetch(url).then(
      (response) => response.ok,
      () => false,
    )
    if (answered) return { url, stop }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`Prisma Studio did not answer at ${url} within ${timeoutMs} ms:\n${output}`)
    }
    await delay(200)
  }
}
