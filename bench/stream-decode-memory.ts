// Does streaming a download into sharp, instead of handing it the whole buffer, lower a decode's
// memory peak? One fresh process per decode (its peak RSS, VmHWM, is the decode's), with the
// worker's allocator settings; each photo decoded to the worker's main-size pixels both ways, twice.
//   npx tsx bench/stream-decode-memory.ts
import { execFileSync } from 'node:child_process'
import { createReadStream, readFileSync } from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { CACHE_DIR, loadPhotos } from './photos/prepare.ts'

const PHOTOS = ['elephants.jpg', 'elephants-4000x3000.jpg', 'lady-bird-cutout.png']
const mb = (field: string) =>
  Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024

async function decodeOnce(mode: string, file: string): Promise<void> {
  sharp.cache(false)
  const idle = mb('VmRSS')
  // As compress.ts's decode() does it, from the whole buffer or from a stream of 64 KiB chunks.
  const options = { limitInputPixels: 50_000_000, animated: false }
  const decode = (input?: Buffer) =>
    (input ? sharp(input, options) : sharp(options))
      .rotate()
      .resize({ width: 2048, height: 2048, fit: 'inside', withoutEnlargement: true })
      .raw()
  if (mode === 'buffer') await decode(readFileSync(file)).toBuffer()
  else {
    await createReadStream(file, { highWaterMark: 64 * 1024 })
      .pipe(decode())
      .toBuffer()
  }
  console.log(JSON.stringify({ idle, peak: mb('VmHWM') }))
}

if (process.argv[2]) await decodeOnce(process.argv[2], process.argv[3]!)
else {
  await loadPhotos()
  const env = { ...process.env, MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' }
  const rows = []
  for (const photo of PHOTOS) {
    for (const mode of ['buffer', 'stream', 'buffer', 'stream']) {
      const out = execFileSync(
        process.execPath,
        ['--import', 'tsx', import.meta.filename, mode, path.join(CACHE_DIR, photo)],
        { env, encoding: 'utf8' },
      )
      const { idle, peak } = JSON.parse(out.trim().split('\n').at(-1)!) as { idle: number; peak: number }
      rows.push({
        photo,
        mode,
        'peak RSS MB': Math.round(peak * 10) / 10,
        'above idle MB': Math.round((peak - idle) * 10) / 10,
      })
    }
  }
  console.table(rows)
}
