import { spawn } from 'node:child_process'
import path from 'node:path'
import { collectLines, type LogLines } from './logs.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')

export interface ServiceProcess extends Omit<LogLines, 'push'> {
  pid: number
  /** Resolves with how the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  kill(signal?: NodeJS.Signals): void
}

/**
 * The real entry point (`src/main.ts <role>`) in a child process, its JSON log lines collected.
 * `cpus` pins it (all its threads) to those cores with taskset, e.g. `0` or `0,1`; `nodeArgs`
 * go to node before the script, e.g. `--cpu-prof`.
 */
export function startService(
  role: 'api' | 'worker' | 'all',
  env: Record<string, string>,
  cpus?: string,
  nodeArgs: string[] = [],
): ServiceProcess {
  const command = [process.execPath, ...nodeArgs, '--import', 'tsx', 'src/main.ts', role]
  const [file, ...args] = cpus ? ['taskset', '--cpu-list', cpus, ...command] : command
  const child = spawn(file!, args, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', WORKER_PORT: '0', OPERATIONS_PORT: '0', ...env }, // port 0: several processes side by side
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const { push, ...lines } = collectLines()
  child.stdout.setEncoding('utf8').on('data', push)
  child.stderr.setEncoding('utf8').on('data', push)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  return {
    ...lines,
    pid: child.pid!,
    exited,
    kill: (signal = 'SIGTERM') => {
      child.kill(signal)
    },
  }
}

/** The public address of an API process, read from its first "Server listening at" log line (the operations server's comes after). */
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
