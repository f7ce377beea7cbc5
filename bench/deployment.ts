// The service as users run it, for benchmarks: `npm run start:api` and `npm run start:worker` as
// separate processes on an environment of their own, products posted through the API with a key.
import { loadConfig, type Config } from '../src/config.ts'
import {
  freePort,
  recordLogs,
  type ServiceProcess,
  startCommand,
  startEnvironment,
  type TestEnvironment,
  waitForPort,
} from '../tests/helpers/index.ts'
import { serviceProcessOf, startNpmScript } from './npm-script.ts'
import { processed } from './pipeline.ts'

export interface Deployment {
  config: Config
  environment: TestEnvironment
  worker: ServiceProcess
  /** The worker's node process (under npm and sh), for /proc. */
  workerPid(): number
  /** POST /products with these image URLs; the new product's id. */
  post(urls: string[]): Promise<number>
  /** Posts the products one after another and resolves once the worker has logged each processed. */
  run(products: string[][]): Promise<{ ms: number; ids: number[] }>
  stop(): Promise<void>
}

export interface DeployOptions {
  /** `address:port` of each image host, for ALLOW_PRIVATE_IMAGE_URLS. */
  imageHosts: string[]
  /** Settings beyond the production defaults. */
  env?: Record<string, string>
}

/**
 * `npm run start:worker`; with BENCH_CPU_PROF=<dir>, bin/start.sh's worker command with `--cpu-prof`
 * (which NODE_OPTIONS may not carry), writing a V8 CPU profile there when it stops: summarise it
 * with bench/cpu-profile.ts.
 */
function startWorker(env: Record<string, string>): ServiceProcess {
  const dir = process.env.BENCH_CPU_PROF
  if (!dir) return startNpmScript('start:worker', env)
  const allocator = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' }
  return startCommand(
    [process.execPath, '--max-semi-space-size=2', '--cpu-prof', `--cpu-prof-dir=${dir}`, 'dist/main.js', 'worker'],
    { ...allocator, ...env },
  )
}

export async function deploy({ imageHosts, env: overrides = {} }: DeployOptions): Promise<Deployment> {
  const logs = recordLogs()
  const environment = await startEnvironment({ routes: {}, log: logs.log, label: 'bench' })
  const apiPort = await freePort()
  const env = environment.env({
    PORT: String(apiPort),
    NODE_ENV: 'production',
    ALLOW_PRIVATE_IMAGE_URLS: imageHosts.join(','),
    ...overrides,
  })
  const services: ServiceProcess[] = [startNpmScript('start:api', env), startWorker(env)]
  const worker = services[1]!
  const kill = async () => {
    for (const service of services) service.kill('SIGKILL')
    await Promise.all(services.map((service) => service.exited))
  }
  try {
    await worker.waitFor((line) => line.msg === 'worker consuming', 60_000)
    await waitForPort(apiPort)
  } catch (error) {
    // Nothing outlives a deployment that did not come up.
    await kill()
    await environment.close()
    throw error
  }

  const post = (urls: string[]) =>
    environment.postProduct(`http://127.0.0.1:${apiPort}`, urls, { product_name: 'Bench product' })
  return {
    config: loadConfig(env),
    environment,
    worker,
    workerPid: () => serviceProcessOf(worker.pid),
    post,
    async run(products) {
      const started = performance.now()
      const ids: number[] = []
      for (const urls of products) ids.push(await post(urls))
      await processed([worker], ids)
      return { ms: performance.now() - started, ids }
    },
    async stop() {
      // SIGTERM first: a profiled worker writes its profile as it exits.
      if (process.env.BENCH_CPU_PROF) {
        worker.kill('SIGTERM')
        await worker.exited
      }
      await kill()
      await environment.close()
    },
  }
}
