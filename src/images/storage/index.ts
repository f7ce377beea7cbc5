// The one place the storage backend is chosen: STORAGE=local (the default) or s3.
import type { Config } from '../../config.ts'
import type { ImageStore } from './image-store.ts'
import { localStore } from './local-store.ts'

export async function createImageStore(config: Config): Promise<ImageStore> {
  if (config.STORAGE === 'local') return localStore(config.IMAGES_DIR)
  // Loaded only when used: the AWS SDK is large, and every process that imports it holds it in memory.
  const { s3Store } = await import('./s3-store.ts')
  return s3Store({
    bucket: config.S3_BUCKET,
    region: config.S3_REGION,
    endpoint: config.S3_ENDPOINT,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
  })
}
