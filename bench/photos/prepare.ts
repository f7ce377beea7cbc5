// The real-photo corpus: photographs from Debian's mate-backgrounds package (GPL-2+, see
// README.md beside this file), fetched with apt and prepared once into a gitignored cache, plus
// a few files derived from them with sharp where a property real uploads have is missing
// (EXIF orientation, an Adobe RGB profile, alpha, a small size). Run alone: `npx tsx bench/photos/prepare.ts`.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { cutoutOf } from '../corpus.ts'

export const CACHE_DIR = path.resolve(import.meta.dirname, 'cache')
const MANIFEST = path.join(CACHE_DIR, 'manifest.json')
/** Bump when the list or a derivation changes, so every checkout prepares the cache again. */
const VERSION = 3
const PACKAGES = ['mate-backgrounds', 'icc-profiles-free']
const MATE = 'usr/share/backgrounds/mate'
const ADOBE_RGB = 'usr/share/color/icc/compatibleWithAdobeRGB1998.icc'

type Derivation =
  | { kind: 'copy' }
  | { kind: 'small'; width: number }
  /** Pixels stored turned a quarter left, with EXIF Orientation 6 saying "turn right to show". */
  | { kind: 'orientation' }
  /** Converted into the Adobe RGB (1998)-compatible profile, which is embedded. */
  | { kind: 'adobe-rgb'; orientation?: boolean }
  /**
   * Its middle, width × height: e.g. a 12 MP camera frame, 4000×3000, too small for libjpeg to shrink on load to 2048.
   */
  | { kind: 'crop'; width: number; height: number }
  /** A soft-edged cut-out on transparency, as shops upload product pictures. */
  | { kind: 'cutout'; width?: number }

interface Entry {
  name: string
  /** The packaged photograph it is (or is derived from), under usr/share/backgrounds/mate. */
  source: string
  derive: Derivation
}

/** Sizes 0.3–17.9 MP; every property the service must handle at least once. */
const ENTRIES: Entry[] = [
  { name: 'meadow-640.jpg', source: 'nature/GreenMeadow.jpg', derive: { kind: 'small', width: 640 } },
  { name: 'green-meadow.jpg', source: 'nature/GreenMeadow.jpg', derive: { kind: 'copy' } },
  { name: 'dune.jpg', source: 'nature/Dune.jpg', derive: { kind: 'copy' } },
  { name: 'fresh-flower.jpg', source: 'nature/FreshFlower.jpg', derive: { kind: 'copy' } },
  { name: 'rain-drops.jpg', source: 'nature/RainDrops.jpg', derive: { kind: 'copy' } },
  { name: 'blinds.jpg', source: 'nature/Blinds.jpg', derive: { kind: 'copy' } },
  { name: 'storm.jpg', source: 'nature/Storm.jpg', derive: { kind: 'copy' } },
  { name: 'garden.jpg', source: 'nature/Garden.jpg', derive: { kind: 'copy' } },
  { name: 'aqua.jpg', source: 'nature/Aqua.jpg', derive: { kind: 'copy' } },
  { name: 'two-wings.jpg', source: 'nature/TwoWings.jpg', derive: { kind: 'copy' } },
  { name: 'lady-bird.jpg', source: 'nature/LadyBird.jpg', derive: { kind: 'copy' } },
  { name: 'wood.jpg', source: 'nature/Wood.jpg', derive: { kind: 'copy' } },
  { name: 'elephants.jpg', source: 'abstract/Elephants_5640x3172.jpg', derive: { kind: 'copy' } },
  { name: 'wood-orientation-6.jpg', source: 'nature/Wood.jpg', derive: { kind: 'orientation' } },
  { name: 'yellow-flower-adobe-rgb.jpg', source: 'nature/YellowFlower.jpg', derive: { kind: 'adobe-rgb' } },
  {
    name: 'elephants-adobe-rgb-orientation-6.jpg',
    source: 'abstract/Elephants_5640x3172.jpg',
    derive: { kind: 'adobe-rgb', orientation: true },
  },
  {
    name: 'elephants-4000x3000.jpg',
    source: 'abstract/Elephants_5640x3172.jpg',
    derive: { kind: 'crop', width: 4000, height: 3000 },
  },
  { name: 'lady-bird-cutout.png', source: 'nature/LadyBird.jpg', derive: { kind: 'cutout' } },
  { name: 'aqua-cutout-800.png', source: 'nature/Aqua.jpg', derive: { kind: 'cutout', width: 800 } },
]

export interface Photo {
  name: string
  data: Buffer
  megapixels: number
  /**
   * What it must look like, upright and in sRGB, for fidelity: the packaged original where the
   * derivation only turned it or changed its profile, else the file itself.
   */
  reference: Buffer
  /** What makes it a test case: its origin and derivation. */
  note: string
}

interface Manifest {
  version: number
  packages: Record<string, string>
  files: { name: string; source: string; derive: Derivation; sha256: string; megapixels: number }[]
}

/** The corpus, prepared into bench/photos/cache on first use (apt-get download needs Debian's package index). */
export async function loadPhotos(): Promise<Photo[]> {
  const manifest = existsSync(MANIFEST) ? (JSON.parse(readFileSync(MANIFEST, 'utf8')) as Manifest) : undefined
  const ready = manifest?.version === VERSION ? manifest : await prepare()
  return ready.files.map(({ name, source, derive, megapixels }) => ({
    name,
    data: readFileSync(path.join(CACHE_DIR, name)),
    megapixels,
    reference: readFileSync(
      path.join(CACHE_DIR, ['small', 'crop', 'cutout'].includes(derive.kind) ? name : path.join('originals', source)),
    ),
    note: `${source} (mate-backgrounds)${derive.kind === 'copy' ? '' : `, derived: ${JSON.stringify(derive)}`}`,
  }))
}

async function prepare(): Promise<Manifest> {
  const work = mkdtempSync(path.join(tmpdir(), 'photos-'))
  chmodSync(work, 0o755) // apt-get downloads as its own user, _apt
  try {
    const packages = fetchPackages(work)
    rmSync(CACHE_DIR, { recursive: true, force: true })
    mkdirSync(CACHE_DIR, { recursive: true })
    const files: Manifest['files'] = []
    for (const entry of ENTRIES) {
      const original = path.join(CACHE_DIR, 'originals', entry.source)
      if (!existsSync(original)) {
        mkdirSync(path.dirname(original), { recursive: true })
        writeFileSync(original, readFileSync(path.join(work, MATE, entry.source)))
      }
      const data = await derive(readFileSync(original), entry.derive, path.join(work, ADOBE_RGB))
      writeFileSync(path.join(CACHE_DIR, entry.name), data)
      const { width, height } = await sharp(data).metadata()
      files.push({
        ...entry,
        sha256: createHash('sha256').update(data).digest('hex'),
        megapixels: Number(((width * height) / 1e6).toFixed(2)),
      })
    }
    const manifest: Manifest = { version: VERSION, packages, files }
    writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`)
    return manifest
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** apt-get download (refreshing the package index once if it has none yet) and unpack; returns their versions. */
function fetchPackages(into: string): Record<string, string> {
  const download = () => execFileSync('apt-get', ['download', '-qq', ...PACKAGES], { cwd: into, stdio: 'inherit' })
  try {
    download()
  } catch {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' })
    download()
  }
  const versions: Record<string, string> = {}
  for (const name of PACKAGES) {
    const deb = execFileSync('sh', ['-c', `ls ${name}_*.deb`], { cwd: into, encoding: 'utf8' }).trim()
    execFileSync('dpkg-deb', ['-x', deb, '.'], { cwd: into })
    versions[name] = execFileSync('dpkg-deb', ['-f', deb, 'Version'], { cwd: into, encoding: 'utf8' }).trim()
  }
  return versions
}

/** Turned a quarter left, losslessly (EXIF Orientation 6 then says: turn right to show). */
const turnedLeft = (image: Buffer) => sharp(image).rotate(270).png({ compressionLevel: 0 }).toBuffer()

async function derive(original: Buffer, how: Derivation, adobeRgbProfile: string): Promise<Buffer> {
  switch (how.kind) {
    case 'copy':
      return original
    case 'small':
      return sharp(original).resize({ width: how.width }).jpeg({ quality: 90 }).toBuffer()
    case 'orientation':
      return sharp(await turnedLeft(original))
        .withMetadata({ orientation: 6 })
        .jpeg({ quality: 92 })
        .toBuffer()
    case 'adobe-rgb': {
      // withMetadata first: it would otherwise attach sRGB in place of the profile asked for.
      const image = how.orientation
        ? sharp(await turnedLeft(original)).withMetadata({ orientation: 6 })
        : sharp(original)
      return image.withIccProfile(adobeRgbProfile).jpeg({ quality: 92 }).toBuffer()
    }
    case 'crop': {
      const { width, height } = await sharp(original).metadata()
      const area = {
        left: Math.floor((width - how.width) / 2),
        top: Math.floor((height - how.height) / 2),
        width: how.width,
        height: how.height,
      }
      return sharp(original).extract(area).jpeg({ quality: 92 }).toBuffer()
    }
    case 'cutout': {
      const sized = how.width ? await sharp(original).resize({ width: how.width }).toBuffer() : original
      return cutoutOf(sized)
    }
  }
}

if (process.argv[1] === import.meta.filename) {
  const photos = await loadPhotos()
  for (const photo of photos) {
    console.log(
      `${photo.name.padEnd(40)} ${String(photo.megapixels).padStart(6)} MP ` +
        `${(photo.data.length / 1e6).toFixed(2).padStart(6)} MB  ${photo.note}`,
    )
  }
}
