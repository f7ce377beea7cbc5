// Production runs the compiled service (dist/, which tests/global-setup.ts builds) with production
// dependencies only: the Docker image prunes the rest (npm prune --omit=dev). These tests run dist/
// in such an install: a directory outside the repository (Node would find our node_modules above
// it) holding what the image runs from (package.json, a copy of dist/, prisma/migrations,
// rascal.config.json) and a node_modules of only the production packages, linked from ours. Node
// keeps the links' paths (--preserve-symlinks), so a module that needs a development package fails
// here as it would in the image.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { dropDatabase, uniqueDatabaseUrl } from '../helpers/database.ts'
import { startEnvironment, type TestEnvironment } from '../helpers/environment.ts'
import { serve } from '../helpers/image-server.ts'
import { photoJpeg } from '../helpers/images.ts'
import { recordLogs } from '../helpers/logs.ts'
import { apiUrlOf, startCommand, stopService, type ServiceProcess } from '../helpers/service-process.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')
let install: string
const run = promisify(execFile)

/**
 * Runs `file args` in the production install, as the image's WORKDIR; NODE_OPTIONS reaches the node that npm starts.
 */
const inInstall = (file: string, args: string[], env: Record<string, string> = {}) =>
  run(file, args, { cwd: install, env: { ...process.env, NODE_OPTIONS: '--preserve-symlinks', ...env } })

interface LockedPackage {
  dev?: boolean
  devOptional?: boolean
}

/**
 * The installed top-level packages (node_modules/<name>, node_modules/@scope/<name>) that
 * package-lock.json marks neither dev nor devOptional. Stricter than npm: --omit=dev keeps
 * devOptional ones, a dev dependency that a production package names as an optional peer (prisma
 * and typescript, peers of @prisma/client), though production never loads them; leaving them out
 * here proves it.
 */
async function productionPackages(): Promise<string[]> {
  const lock = JSON.parse(await readFile(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockedPackage>
  }
  const names = Object.entries(lock.packages)
    .filter(([name, { dev, devOptional }]) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(name) && !dev && !devOptional)
    .map(([name]) => name)
  return names.filter((name) => existsSync(path.join(ROOT, name))) // other platforms' optional builds are not
}

async function link(name: string): Promise<void> {
  await mkdir(path.dirname(path.join(install, name)), { recursive: true })
  await symlink(path.join(ROOT, name), path.join(install, name))
}

beforeAll(async () => {
  install = await mkdtemp(path.join(tmpdir(), 'production-install-'))
  await cp(path.join(ROOT, 'dist'), path.join(install, 'dist'), { recursive: true })
  const files = ['package.json', 'prisma/migrations', 'rascal.config.json', ...(await productionPackages())]
  await Promise.all(files.map(link))
})
afterAll(() => rm(install, { recursive: true, force: true }))

describe('the compiled service with production dependencies only', () => {
  let environment: TestEnvironment
  let service: ServiceProcess | undefined

  beforeAll(async () => {
    environment = await startEnvironment({
      routes: { '/photo.jpg': serve(await photoJpeg(1600, 1200)) },
      log: recordLogs().log,
      label: 'build',
    })
  })
  afterAll(async () => {
    await stopService(service)
    await environment?.close()
  })

  it('leaves out the development tools: no tsx, prisma, typescript, pino-pretty or vitest', async () => {
    const packages = await readdir(path.join(install, 'node_modules'))
    expect(packages).toEqual(expect.arrayContaining(['pino', 'sharp', '@prisma']))
    for (const tool of ['tsx', 'prisma', 'typescript', 'pino-pretty', 'vitest']) expect(packages).not.toContain(tool)
  })

  it('node dist/main.js runs API and worker: a posted product gets its image', { timeout: 60_000 }, async () => {
    const main = path.join(install, 'dist/main.js')
    service = startCommand([process.execPath, '--preserve-symlinks', main], environment.env({ NODE_ENV: 'production' }))
    const url = await apiUrlOf(service)
    await service.waitFor((line) => line.msg === 'worker consuming', 30_000)
    const productId = await environment.postProduct(url, [environment.images.url('/photo.jpg')])
    const line = await service.waitFor((l) => l.msg === 'product processed' && l.product_id === productId, 30_000)
    expect(line.outcome).toBe('done')
    // The 1600-wide photo: its main file and variants 256, 640 and 1280 wide.
    const files = await readdir(path.join(environment.imagesDir, String(productId)))
    expect(files.map((name) => name.replace(/^[0-9a-f]{16}\.[0-9a-f]{8}\./, '<source>.<tag>.')).sort()).toEqual([
      '<source>.<tag>.1280w.webp',
      '<source>.<tag>.256w.webp',
      '<source>.<tag>.640w.webp',
      '<source>.<tag>.webp',
    ])
  })
})

describe('the commands production runs, with production dependencies only', () => {
  const databaseUrl = uniqueDatabaseUrl('pip_build')
  afterAll(() => dropDatabase(databaseUrl))

  it("compose's migrate service creates, migrates and seeds a database; npm run apikey:* then work", async () => {
    const compose = parse(await readFile(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: { migrate: { entrypoint: string[] } }
    }
    const [shell, ...args] = compose.services.migrate.entrypoint
    const migrated = await inInstall(shell!, args, { DATABASE_URL: databaseUrl })
    expect(migrated.stdout).toMatch(/^Created database pip_build_\w+\nApplied \w+/)
    expect(migrated.stdout).toContain('Seeded 3 demo users')

    const { stdout } = await inInstall('npm', ['run', '-s', 'apikey:create', '--', '--user', '1', '--name', 'prod'], {
      DATABASE_URL: databaseUrl,
    })
    expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/^pip_/)
    const listed = await inInstall('npm', ['run', '-s', 'apikey:list'], { DATABASE_URL: databaseUrl })
    expect(listed.stdout).toMatch(/^1 +user 1 +prod /m)
  })
})

describe('logs at a terminal with NODE_ENV=development', () => {
  const script = [
    'process.stdout.isTTY = true',
    "const { createLogger } = await import('./dist/logger.js')",
    "createLogger({ LOG_LEVEL: 'info', NODE_ENV: 'development' }, 'check').info('hello')",
  ].join('\n')

  it('are JSON lines where pino-pretty is not installed', async () => {
    const { stdout } = await inInstall(process.execPath, ['--input-type=module', '-e', script])
    expect(JSON.parse(stdout)).toMatchObject({ name: 'check', msg: 'hello' })
  })

  it('are pretty where it is', async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT })
    expect(stdout).toMatch(/INFO.*\(check\/\d+\).*hello/)
  })
})
