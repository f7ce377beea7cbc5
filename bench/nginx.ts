// Image hosts as on the internet, served by a real web server rather than one of ours: Debian's
// nginx, with the echo module's `echo_sleep` for the first byte's latency and `limit_rate` for each
// connection's bandwidth. Each origin is a port of its own, so the worker sees it as another host.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { freePort, waitForPort } from '../tests/helpers/index.ts'

const NGINX = '/usr/sbin/nginx'
const ECHO_MODULE = '/usr/lib/nginx/modules/ngx_http_echo_module.so'

export interface Origin {
  /** Wait before the first byte of the answer, in ms; 0: none. */
  latencyMs: number
  /** Bytes a second per connection; 0: as fast as loopback goes. */
  bytesPerSecond: number
}

export interface Origins {
  /** The base URL of each origin asked for, in the same order, e.g. `http://127.0.0.1:40123`. */
  urls: string[]
  /** `127.0.0.1:<port>` of each, for ALLOW_PRIVATE_IMAGE_URLS. */
  hosts: string[]
  stop(): Promise<void>
}

/** Installs nginx and its echo module from Debian's packages when they are missing (as root, as here and in CI). */
export function ensureNginx(): void {
  if (existsSync(NGINX) && existsSync(ECHO_MODULE)) return
  const install = (args: string[]) =>
    spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  install(['update', '-qq'])
  install(['install', '-y', '-qq', '--no-install-recommends', 'nginx-light', 'libnginx-mod-http-echo'])
  if (!existsSync(NGINX) || !existsSync(ECHO_MODULE)) {
    throw new Error('nginx with the echo module is needed: apt-get install nginx-light libnginx-mod-http-echo')
  }
}

/** One server block: the first byte after `latencyMs`, then at most `bytesPerSecond`. */
export function serverBlock(port: number, root: string, { latencyMs, bytesPerSecond }: Origin): string {
  const rate = bytesPerSecond > 0 ? `limit_rate ${bytesPerSecond};` : ''
  const location =
    latencyMs > 0
      ? `location / { echo_sleep ${latencyMs / 1000}; echo_exec @file; } location @file { ${rate} }`
      : `location / { ${rate} }`
  return `server { listen 127.0.0.1:${port}; root ${root}; ${location} }`
}

/** nginx serving `root` once per origin asked for, each on a loopback port of its own. */
export async function startOrigins(root: string, origins: Origin[]): Promise<Origins> {
  ensureNginx()
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-nginx-'))
  mkdirSync(path.join(dir, 'tmp'))
  const ports = await Promise.all(origins.map(() => freePort()))
  const conf = [
    `load_module ${ECHO_MODULE};`,
    'worker_processes 1;',
    `error_log ${dir}/error.log warn;`,
    `pid ${dir}/nginx.pid;`,
    'events { worker_connections 4096; }',
    'http {',
    '  access_log off; sendfile on; keepalive_requests 100000;',
    `  client_body_temp_path ${dir}/tmp; proxy_temp_path ${dir}/tmp; fastcgi_temp_path ${dir}/tmp; uwsgi_temp_path ` +
      `${dir}/tmp; scgi_temp_path ${dir}/tmp;`,
    '  types { image/jpeg jpg; image/png png; }',
    ...origins.map((origin, i) => `  ${serverBlock(ports[i]!, root, origin)}`),
    '}',
  ].join('\n')
  writeFileSync(path.join(dir, 'nginx.conf'), conf)
  const server: ChildProcess = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: 'ignore',
  })
  await Promise.all(ports.map((port) => waitForPort(port, 10_000)))
  return {
    urls: ports.map((port) => `http://127.0.0.1:${port}`),
    hosts: ports.map((port) => `127.0.0.1:${port}`),
    async stop() {
      const exited = new Promise((resolve) => server.once('exit', resolve))
      server.kill('SIGQUIT')
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
