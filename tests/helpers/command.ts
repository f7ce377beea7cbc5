// A command in its own process group (so that stopping it stops its children too, as npm's), its
// JSON log lines collected: the service started exactly as it is deployed.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { collectLines } from './logs.ts'
import type { ServiceProcess } from './service-process.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')

/** `command` in the repository root, in this process's environment less `unset`, plus `env` (which wins). */
export function startCommand(command: string[], env: Record<string, string>, unset: string[] = []): ServiceProcess {
  const inherited: NodeJS.ProcessEnv = { ...process.env }
  for (const name of unset) delete inherited[name]
  const environment: NodeJS.ProcessEnv = {
    ...inherited,
    LOG_LEVEL: 'info',
    WORKER_PORT: '0',
    OPERATIONS_PORT: '0',
    ...env,
  }
  const child = spawn(command[0]!, command.slice(1), {
    cwd: ROOT,
    env: environment,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  const { push, ...lines } = collectLines()
  child.stdout.setEncoding('utf8').on('data', push)
  child.stderr.setEncoding('utf8').on('data', push)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  const kill = (signal: NodeJS.Signals = 'SIGTERM') => {
    try {
      process.kill(-child.pid!, signal)
    } catch {
      // already gone
    }
  }
  return { ...lines, pid: child.pid!, exited, kill }
}
