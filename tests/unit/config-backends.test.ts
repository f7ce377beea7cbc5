import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.ts'

// Settings for running across machines: object storage, and a RabbitMQ cluster.
describe('loadConfig: storage and broker backends', () => {
  it('stores on local disk and talks to one RabbitMQ node by default', () => {
    expect(loadConfig({})).toMatchObject({ STORAGE: 'local', AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672' })
  })

  it('reads the S3 settings', () => {
    const config = loadConfig({
      STORAGE: 's3',
      S3_BUCKET: 'product-images',
      S3_ENDPOINT: 'http://minio:9000',
      S3_REGION: 'eu-west-3',
      S3_FORCE_PATH_STYLE: 'true',
    })
    expect(config).toMatchObject({
      STORAGE: 's3',
      S3_BUCKET: 'product-images',
      S3_ENDPOINT: 'http://minio:9000',
      S3_REGION: 'eu-west-3',
      S3_FORCE_PATH_STYLE: true,
    })
    expect(loadConfig({ STORAGE: 's3', S3_BUCKET: 'b12' })).toMatchObject({
      S3_ENDPOINT: '',
      S3_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: false,
    })
  })

  it('needs a bucket for STORAGE=s3, and names each bad S3 setting', () => {
    expect(() => loadConfig({ STORAGE: 's3' })).toThrow(/S3_BUCKET: required when STORAGE=s3/)
    expect(() => loadConfig({ STORAGE: 'gcs' })).toThrow(/STORAGE/)
    expect(() => loadConfig({ STORAGE: 's3', S3_BUCKET: 'Not_A_Bucket' })).toThrow(/S3_BUCKET/)
    expect(() => loadConfig({ STORAGE: 's3', S3_BUCKET: 'b12', S3_ENDPOINT: 'minio:9000' })).toThrow(/S3_ENDPOINT/)
    expect(() => loadConfig({ STORAGE: 's3', S3_BUCKET: 'b12', S3_FORCE_PATH_STYLE: 'yes' })).toThrow(
      /S3_FORCE_PATH_STYLE/,
    )
  })

  it('takes the nodes of a RabbitMQ cluster as a comma-separated AMQP_URL', () => {
    const urls = 'amqp://u:p@rabbit-1:5672,amqp://u:p@rabbit-2:5672, amqps://u:p@rabbit-3:5671'
    expect(loadConfig({ AMQP_URL: urls }).AMQP_URL).toBe(urls)
    for (const bad of ['amqp://a,', 'amqp://a,,amqp://b', 'amqp://a,http://b', 'rabbit:5672']) {
      expect(() => loadConfig({ AMQP_URL: bad }), bad).toThrow(/AMQP_URL/)
    }
  })
})
