import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3'
import type { Readable } from 'node:stream'
import { checkedKey, isStoredKey } from './image-keys.ts'
import { contentTypeOf, IMMUTABLE, type ImageStore } from './image-store.ts'

export interface S3Settings {
  bucket: string
  region: string
  /** Empty for AWS itself; e.g. `http://minio:9000` for MinIO, Ceph RGW or R2. */
  endpoint: string
  /** `<endpoint>/<bucket>/<key>` instead of `<bucket>.<endpoint>/<key>`: MinIO and most self-hosted servers need it. */
  forcePathStyle: boolean
}

/** Only the store saying 404 means "not there"; a denied or failed request is an error, never "absent". */
const isNotFound = (error: unknown) => error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404

/**
 * Images as objects in an S3-compatible bucket, under the same keys as on disk. Credentials come
 * from the AWS SDK's default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, roles).
 */
export function s3Store(
  { bucket, region, endpoint, forcePathStyle }: S3Settings,
  client = new S3Client({ region, endpoint: endpoint || undefined, forcePathStyle }),
): ImageStore {
  return {
    description: `s3://${bucket}`,
    locationOf: (key) => `s3://${bucket}/${checkedKey(key)}`,

    // One PUT is all-or-nothing: an object appears whole or not at all.
    async put(key, data) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: checkedKey(key),
          Body: data,
          ContentType: contentTypeOf(key),
          CacheControl: IMMUTABLE,
        }),
      )
    },

    async exists(key) {
      try {
        await client.send(new HeadObjectCommand({ Bucket: bucket, Key: checkedKey(key) }))
        return true
      } catch (error) {
        if (isNotFound(error)) return false
        throw error
      }
    },

    async get(key) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: checkedKey(key) }))
        return {
          body: object.Body as Readable,
          contentType: object.ContentType ?? contentTypeOf(key),
          contentLength: object.ContentLength ?? 0,
          etag: object.ETag,
        }
      } catch (error) {
        if (isNotFound(error)) return undefined
        throw error
      }
    },

    // Nothing half-written can be left in a bucket.
    removeUnfinished: async () => {},

    async *list(productId) {
      const prefix = productId === undefined ? '' : `${productId}/`
      for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
        for (const { Key } of page.Contents ?? []) if (Key && isStoredKey(Key)) yield Key
      }
    },

    async remove(keys) {
      await deleteObjects(keys.map(checkedKey))
    },

    // Everything under the product's prefix, ours or not: the prefix is the product's.
    async removeProduct(productId) {
      const prefix = `${productId}/`
      for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
        await deleteObjects((page.Contents ?? []).map(({ Key }) => Key!))
      }
    },
  }

  /** DeleteObjects takes 1000 keys at most; a key already gone counts as deleted. Any error is thrown. */
  async function deleteObjects(keys: string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += 1000) {
      const Objects = keys.slice(start, start + 1000).map((Key) => ({ Key }))
      const { Errors = [] } = await client.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects, Quiet: true } }),
      )
      if (Errors.length > 0) {
        throw new Error(`could not delete ${Errors.length} objects, e.g. ${Errors[0]!.Key}: ${Errors[0]!.Code}`)
      }
    }
  }
}
