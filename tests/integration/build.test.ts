// Production runs the compiled service (npm run build → dist/, `node dist/main.js`): it must start
// and process a product exactly as the sources do. Built into a directory of this test's own at
// the same depth as dist/, so the paths the code resolves (../../prisma/migrations, ../../rascal.config.json) hold.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startEnvironment, type TestEnvironment } from '../helpers/environment.ts'
import { serve } from '../helpers/image-server.ts'
import { photoJpeg } from '../helpers/images.ts'
import { recordLogs } from '../helpers/logs.ts'
import { startCommand } from '../helpers/command.ts'
import { apiUrlOf, stopService, type ServiceProcess } from '../helpers/service-process.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')
const outDir = path.join(ROOT, `.build-test-${randomBytes(4).toString('hex')}`)
let environment: TestEnvironment
let service: ServiceProcess | undefined

beforeAll(async () => {
  environment = await startEnvironment({
    routes: { '/photo.jpg': serve(await photoJpeg(1600, 1200)) },
    log: recordLogs().log,
    label: 'build',
  })
  const tsc = path.join(ROOT, 'node_modules/.bin/tsc')
  await promisify(execFile)(
    tsc,
    ['-p', 'tsconfig.build.json', '--outDir', outDir, '--tsBuildInfoFile', path.join(outDir, '.tsbuildinfo')],
    { cwd: ROOT },
  )
}, 120_000)

afterAll(async () => {
  await stopService(service)
  await environment?.close()
  await rm(outDir, { recursive: true, force: true })
})

it('node dist/main.js runs API and worker: a posted product gets its image', { timeout: 60_000 }, async () => {
  service = startCommand([process.execPath, path.join(outDir, 'main.js')], environment.env({ NODE_ENV: 'production' }))
  const url = await apiUrlOf(service)
  await service.waitFor((line) => line.msg === 'worker consuming', 30_000)
  const response = await fetch(`${url}/products`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${environment.apiKey}` },
    body: JSON.stringify({
      user_id: environment.userId,
      product_name: 'Lamp',
      product_description: '',
      product_images: [environment.images.url('/photo.jpg')],
      product_price: 1,
    }),
  })
  expect(response.status).toBe(201)
  const { product_id: productId } = (await response.json()) as { product_id: number }
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
