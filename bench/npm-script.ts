// A service started exactly as README says to start it (`npm run <script>`), in a process group of
// its own so that stopping it stops npm's child too; its JSON log lines collected.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { collectLines } from '../tests/helpers/logs.ts'
import type { ServiceProcess } from '../tests/helpers/service-process.ts'

const ROOT = path.resolve(import.meta.dirname, '..')

export function startNpmScript(script: string, env: Record<string, string>): ServiceProcess {
  const child = spawn('npm', ['run', '-s', script], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', WORKER_PORT: '0', OPERATIONS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  const { push, ...lines } = collectLines()
  child.stdout.setEncoding('utf8').on('data', push)
  child.stderr.setEncoding('utf8').on('data', push)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  const kill = (signal: NodeJS.Signals = 'SIGTERM') => {
    try {
      process.kill(-child.pid!, signal)
    } catch {
      // already gone
    }
  }
  return { ...lines, pid: child.pid!, exited, kill }
}

/** The process that does the work under npm (and sh, tsx...): the deepest descendant of `pid`. */
export function serviceProcessOf(pid: number): number {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  return children.length === 0 ? pid : serviceProcessOf(children.at(-1)!)
}
