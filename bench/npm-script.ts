// A service started exactly as it is deployed: `npm run <script>` as the docs say, or the command
// a Dockerfile runs (startCommand, tests/helpers/service-process.ts).
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { type ServiceProcess, startCommand } from '../tests/helpers/index.ts'

const ROOT = path.resolve(import.meta.dirname, '..')

export const startNpmScript = (script: string, env: Record<string, string>): ServiceProcess =>
  startCommand(['npm', 'run', '-s', script], env)

/** The process that does the work under npm (and sh): the deepest descendant of `pid`. */
export function serviceProcessOf(pid: number): number {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
  return children.length === 0 ? pid : serviceProcessOf(children.at(-1)!)
}

/** Stops it (SIGKILL: its figures are taken already) and waits until it is gone. */
export async function stopCommand(service: ServiceProcess): Promise<void> {
  service.kill('SIGKILL')
  await service.exited
}

/** `npm run build`, so that the start scripts run the sources as they are now. */
export function build(): void {
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' })
}
