// bin/start.sh is the one start command (npm run start*, the Docker image): what it hands to node.
import { execFile } from 'node:child_process'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'

const script = path.resolve(import.meta.dirname, '../../../bin/start.sh')
const main = `${path.dirname(script)}/../dist/main.js`
let bin: string

// A `node` first on the PATH that prints what it was started with instead of running anything.
beforeAll(async () => {
  bin = await mkdtemp(path.join(tmpdir(), 'start-sh-'))
  await writeFile(path.join(bin, 'node'), '#!/bin/sh\necho "$MALLOC_ARENA_MAX $MALLOC_MMAP_THRESHOLD_ $*"\n')
  await chmod(path.join(bin, 'node'), 0o755)
})
afterAll(() => rm(bin, { recursive: true, force: true }))

async function start(args: string[], env: Record<string, string> = {}): Promise<string> {
  const environment = { PATH: `${bin}:${process.env.PATH}`, ...env }
  const { stdout } = await promisify(execFile)('sh', [script, ...args], { env: environment })
  return stdout.trim()
}

it('caps the worker’s young generation, and only the worker’s', async () => {
  expect(await start(['worker'])).toBe(`2 131072 --max-semi-space-size=2 ${main} worker`)
  expect(await start(['api'])).toBe(`2 131072 ${main} api`)
  expect(await start([])).toBe(`2 131072 ${main}`)
})

it('sets the allocator defaults unless the environment has its own', async () => {
  expect(await start(['api'], { MALLOC_ARENA_MAX: '8', MALLOC_MMAP_THRESHOLD_: '65536' })).toBe(`8 65536 ${main} api`)
})
