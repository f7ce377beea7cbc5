import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.ts'

// Settings for running across machines: object storage, and a RabbitMQ cluster.
describe('loadConfig: storage and broker backends', () => {
  it('stores on local disk by default', () => {
    expect(loadConfig({})).toMatchObject({ STORAGE: 'local' })
  })

  it('reads the S3 settings', () => {
    const config = loadConfig({ STORAGE: 's3', S3_BUCKET: 'product-images', S3_ENDPOINT: 'http://minio:9000', S3_REGION: 'eu-west-3', S3_FORCE_PATH_STYLE: 'true' })
    expect(config).toMatchObject({ STORAGE: 's3', S3_BUCKET: 'product-images', S3_ENDPOINT: 'http://minio:9000', S3_REGION: 'eu-west-3', S3_FORCE_PATH_STYLE: true })
    expect(loadConfig({ STORAGE: 's3', S3_BUCKET: 'b12' })).toMatchObject({ S3_ENDPOINT: '', S3_REGION: 'us-east-1', S3_FORCE_PATH_STYLE: false })
  })

  it('needs a bucket for STORAGE=s3, and names each bad S3 setting', () => {
    expect(() => loadConfig({ STORAGE: 's3' })).toThrow(/S3_BUCKET: required when STORAGE=s3/)
    expect(() => loadConfig({ STORAGE: 'gcs' })).toThrow(/STORAGE/)
    expect(() => loadConfig({ STORAGE: 's3', S3_BUCKET: 'Not_A_Bucket' })).toThrow(/S3_BUCKET/)
    expect(() => loadConfig({ STORAGE: 's3', S3_BUCKET: 'b12', S3_ENDPOINT: 'minio:9000' })).toThrow(/S3_ENDPOINT/)
    expect(() => loadConfig({ STORAGE: 's3', S3_BUCKET: 'b12', S3_FORCE_PATH_STYLE: 'yes' })).toThrow(/S3_FORCE_PATH_STYLE/)
  })
})
