// The service in child processes, as it is deployed: each in its own process group (so stopping it
// stops its children too, as npm's), its JSON log lines collected.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { collectLines, type LogLines } from './logs.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')

export interface ServiceProcess extends Omit<LogLines, 'push'> {
  pid: number
  /** Resolves with how the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Signals the whole process group. */
  kill(signal?: NodeJS.Signals): void
}

/**
 * `command` in the repository root, in this process's environment less `unset`, plus `env` (which
 * wins). Port 0 for the worker's and the operations server: several processes side by side.
 */
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

/**
 * The real entry point from the sources (`src/main.ts <role>`). `cpus` pins it (all its threads)
 * to those cores with taskset, e.g. `0` or `0,1`; `nodeArgs` go to node before the script, e.g.
 * `--cpu-prof`.
 */
export function startService(
  role: 'api' | 'worker' | 'all',
  env: Record<string, string>,
  cpus?: string,
  nodeArgs: string[] = [],
): ServiceProcess {
  const command = [process.execPath, ...nodeArgs, '--import', 'tsx', 'src/main.ts', role]
  return startCommand(cpus ? ['taskset', '--cpu-list', cpus, ...command] : command, env)
}

/**
 * The public address of an API process, read from its first "Server listening at" log line (the operations server's
 * comes after).
 */
export async function apiUrlOf(api: ServiceProcess): Promise<string> {
  const line = await api.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('Server listening at'), 60_000)
  return (line.msg as string).replace('Server listening at ', '')
}

/** Stops a process if it still runs; used in afterAll so no child outlives its test. */
export async function stopService(service: ServiceProcess | undefined): Promise<void> {
  if (!service) return
  service.kill('SIGKILL')
  await service.exited
}
