import sharp from 'sharp'
import type { Config } from '../config.ts'
import { imageBytesIn, imageBytesOut, imageSeconds, imagesProcessed } from '../metrics.ts'
import { compressOptions, decode, decodeStored, encode, type CompressOptions, type Pixels } from './compress.ts'
import { decodeBudget, type AdmitDecode } from './decode-budget.ts'
import type { Source } from './download.ts'
import { ImageTimeoutError, PermanentImageError } from './errors.ts'
import { imageSlots, type ImageSlots } from './image-slots.ts'
import { pathsOf, type ImageRecord, type VariantRecord } from './image-record.ts'
import { placeholderOf } from './placeholder.ts'
import type { ImageStore } from './storage/image-store.ts'
import { imageNames, originalKey, type ImageNames } from './storage/image-keys.ts'
import { parseWidths, variantWidthsFor } from './variants.ts'

export interface ImagePipeline {
  /** The fetch stage: downloads run outside the slots, each holding its bytes until it is decoded. */
  download(url: string): Promise<Source>
  compression: CompressOptions
  /** IMAGE_VARIANT_WIDTHS, ascending; empty when variants are off. */
  variantWidths: readonly number[]
  store: ImageStore
  /** Shared by all products of a worker: bounds the work in flight, hence CPU and memory. */
  slots: ImageSlots
  /** Shared too: bounds the source pixels decoding at once, hence the memory peak. */
  admitDecode: AdmitDecode
  /** KEEP_ORIGINALS: store each downloaded source as it came, beside its outputs. */
  keepOriginals: boolean
}

/**
 * A worker's pipeline under these settings: one per process, its slots and decode budget shared by
 * all its products.
 */
export function imagePipeline(config: Config, download: ImagePipeline['download'], store: ImageStore): ImagePipeline {
  return {
    download,
    compression: compressOptions(config),
    variantWidths: parseWidths(config.IMAGE_VARIANT_WIDTHS),
    store,
    slots: imageSlots(config.IMAGE_CONCURRENCY),
    admitDecode: decodeBudget(config.IMAGE_DECODE_PIXELS),
    keepOriginals: config.KEEP_ORIGINALS,
  }
}

/** One image of a product, as the worker is given it. */
export interface SourceImage {
  productId: number
  url: string
  /** Its position in product_images. */
  index: number
  /** Its record from an earlier run, if any. */
  previous?: ImageRecord
}

/**
 * One image: its main file and variants under the current settings' names, and its record.
 * - Kept as it is when its previous record names exactly those files and all are stored.
 * - Finished from the stored main file when that is there (an interrupted run, or other variant
 *   widths), keeping the variants already stored: files are written atomically, so a stored file
 *   is whole, and its name says it was made with the current settings.
 * - Otherwise decoded once, from its kept original when there is one (KEEP_ORIGINALS), else
 *   downloaded; the main file and every variant come from that decode.
 * The download waits on the network outside the worker's slots; the main file (decode, encode,
 * write) is then one task in the slots, each variant and the placeholder one more.
 */
export async function processImage(pipeline: ImagePipeline, image: SourceImage): Promise<ImageRecord> {
  const { productId, url, previous } = image
  const names = imageNames(productId, url, pipeline.compression)
  if (previous && (await isCurrent(pipeline, previous, names))) {
    imagesProcessed.inc({ result: 'kept', reason: '' })
    return previous
  }
  const timer = imageSeconds.startTimer()
  try {
    const record = await makeFiles(pipeline, image, names)
    imagesProcessed.inc({ result: 'stored', reason: '' })
    return record
  } catch (error) {
    imagesProcessed.inc({
      result: 'failed',
      reason: error instanceof PermanentImageError || error instanceof ImageTimeoutError ? error.code : 'transient',
    })
    throw error
  } finally {
    timer()
  }
}

/** True when the record names the files the current settings would write, and each is stored. */
async function isCurrent(
  { store, variantWidths }: ImagePipeline,
  previous: ImageRecord,
  names: ImageNames,
): Promise<boolean> {
  const keys = [names(), ...variantWidthsFor(previous.width, variantWidths).map(names)]
  const wanted = keys.map((key) => store.locationOf(key))
  if (wanted.join('\n') !== pathsOf(previous).join('\n')) return false
  return (await Promise.all(keys.map((key) => store.exists(key)))).every(Boolean)
}

async function makeFiles(pipeline: ImagePipeline, image: SourceImage, names: ImageNames): Promise<ImageRecord> {
  const { store, compression, slots } = pipeline
  const { productId, url, index } = image
  const stored = await readStored(store, names())
  const original = stored ? undefined : await keptOriginal(store, image)
  const source = stored ? undefined : (original ?? (await pipeline.download(url)))
  const keepAs = pipeline.keepOriginals && !original ? originalKey(productId, url) : undefined
  const { pixels, main } = await slots.start(async () =>
    source
      ? makeMain(pipeline, source, { key: names(), keepAs })
      : { pixels: await decodeStored(stored!), main: stored! },
  )
  const variantOf = async (width: number): Promise<VariantRecord> => {
    const key = names(width)
    const variant =
      (stored && (await storedVariant(store, key))) || (await encodeVariant(pipeline, pixels, { key, width }))
    return { ...variant, path: store.locationOf(key) }
  }
  const variantTasks = variantWidthsFor(pixels.width, pipeline.variantWidths).map((width) =>
    slots.finish(() => variantOf(width)),
  )
  const placeholderTask = slots.finish(() => placeholderOf(pixels))
  // Every task ends before the image fails, so none outlives it.
  await Promise.allSettled([...variantTasks, placeholderTask])
  const { width, height } = pixels
  // Named while KEEP_ORIGINALS is on and it is stored (kept before, or now); otherwise it is superseded.
  const kept = pipeline.keepOriginals && (await store.exists(originalKey(productId, url)))
  return {
    index,
    path: store.locationOf(names()),
    width,
    height,
    bytes: main.length,
    format: compression.format,
    variants: await Promise.all(variantTasks),
    ...(await placeholderTask),
    ...(kept && { original: store.locationOf(originalKey(productId, url)) }),
  }
}

/** The image's source as kept by an earlier run (KEEP_ORIGINALS), if it is still stored. */
async function keptOriginal(store: ImageStore, { productId, url, previous }: SourceImage): Promise<Source | undefined> {
  if (!previous?.original) return undefined
  const data = await readStored(store, originalKey(productId, url))
  return data && { data, release: () => {} }
}

/**
 * Decodes the source once, keeps it as it came if asked (only once it decoded: a source that is
 * no image is not kept), gives its bytes back to the fetch budget, and stores its main image.
 */
async function makeMain(
  { store, compression, admitDecode }: ImagePipeline,
  source: Source,
  { key, keepAs }: { key: string; keepAs?: string },
): Promise<{ pixels: Pixels; main: Buffer }> {
  imageBytesIn.inc(source.data.length)
  let pixels: Pixels
  try {
    pixels = await decode(source.data, compression, admitDecode)
    if (keepAs) await store.put(keepAs, source.data)
  } finally {
    source.release()
  }
  const main = (await encode(pixels, compression)).data
  await put(store, key, main)
  return { pixels, main }
}

async function encodeVariant(
  { store, compression }: ImagePipeline,
  pixels: Pixels,
  { key, width }: { key: string; width: number },
) {
  const { data, ...size } = await encode(pixels, compression, width)
  await put(store, key, data)
  return { ...size, bytes: data.length }
}

/** A variant an interrupted run already stored: its size, read from its header. */
async function storedVariant(store: ImageStore, key: string) {
  const file = await readStored(store, key)
  if (!file) return undefined
  const { width, height } = await sharp(file).metadata()
  return { width, height, bytes: file.length }
}

async function put(store: ImageStore, key: string, data: Buffer): Promise<void> {
  await store.put(key, data)
  imageBytesOut.inc(data.length)
}

async function readStored(store: ImageStore, key: string): Promise<Buffer | undefined> {
  const image = await store.get(key)
  return image && Buffer.concat(await image.body.toArray())
}
