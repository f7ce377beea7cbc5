// The benchmark corpus: noisy photo-like images of the sizes products really come with.
import sharp from 'sharp'
import { photoJpeg, type Route, serve } from '../tests/helpers/index.ts'

export interface Image {
  name: string
  kind: Kind
  data: Buffer
}

export const KINDS = {
  '1920x1080 JPEG q92': { width: 1920, height: 1080, type: 'jpeg' },
  '4000x3000 JPEG q92': { width: 4000, height: 3000, type: 'jpeg' },
  '1200x800 PNG alpha': { width: 1200, height: 800, type: 'png' },
} as const
export type Kind = keyof typeof KINDS

/**
 * A product cut-out as shops upload them: a photo inside a soft-edged ellipse on a transparent
 * background (transparent pixels cleared, as editors export them), PNG at sharp's defaults.
 */
export const cutoutPng = async (width: number, height: number): Promise<Buffer> =>
  cutoutOf(await photoJpeg(width, height))

/** The cut-out of any photo, at its size. */
export async function cutoutOf(photo: Buffer): Promise<Buffer> {
  const { data: rgb, info } = await sharp(photo).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  const { width, height } = info
  const rgba = Buffer.alloc(width * height * 4)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const distance = Math.hypot((x - width / 2) / (width * 0.42), (y - height / 2) / (height * 0.45))
      const alpha = Math.round(Math.min(1, Math.max(0, (1 - distance) * 12)) * 255)
      const i = y * width + x
      if (alpha > 0) rgb.copy(rgba, i * 4, i * 3, i * 3 + 3)
      rgba[i * 4 + 3] = alpha
    }
  }
  return sharp(rgba, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer()
}

/** `variants` different images of each kind asked for (different noise, so no two are the same bytes). */
export async function makeCorpus(kinds: Kind[], variants = 2): Promise<Image[]> {
  const images: Image[] = []
  for (const kind of kinds) {
    const { width, height, type } = KINDS[kind]
    for (let v = 0; v < variants; v++) {
      const data = type === 'png' ? await cutoutPng(width, height) : await photoJpeg(width, height)
      images.push({ name: `${kind.split(' ')[0]}-${v}.${type === 'png' ? 'png' : 'jpg'}`, kind, data })
    }
  }
  return images
}

/** Image-server routes serving each image at `/<name>`. */
export const routesFor = (images: Image[]): Record<string, Route> =>
  Object.fromEntries(
    images.map((image) => [
      `/${image.name}`,
      serve(image.data, image.name.endsWith('.png') ? 'image/png' : 'image/jpeg'),
    ]),
  )

/** The corpus images of one kind. */
export const ofKind = (images: Image[], kind: Kind): Image[] => images.filter((image) => image.kind === kind)
