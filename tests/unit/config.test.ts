import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, trustProxy } from '../../src/config.ts'

describe('loadConfig', () => {
  it('runs on a developer machine with no variables set', () => {
    const config = loadConfig({})
    expect(config.DATABASE_URL).toBe('postgresql://postgres@127.0.0.1:5432/product_image_pipeline')
    expect(config.AMQP_URL).toBe('amqp://guest:guest@127.0.0.1:5672')
    expect(config.PORT).toBe(3000)
    expect(config.IMAGES_DIR).toBe(path.resolve('data/images'))
  })

  it('serves /health, /ready and /metrics on loopback unless OPERATIONS_HOST opens them to a network', () => {
    expect(loadConfig({ HOST: '0.0.0.0' }).OPERATIONS_HOST).toBe('127.0.0.1')
    expect(loadConfig({ OPERATIONS_HOST: '0.0.0.0' }).OPERATIONS_HOST).toBe('0.0.0.0')
  })

  it('converts numbers and resolves the images directory', () => {
    const config = loadConfig({ PORT: '8080', IMAGE_QUALITY: '70', IMAGES_DIR: '/srv/images', IMAGE_FORMAT: 'avif' })
    expect(config).toMatchObject({ PORT: 8080, IMAGE_QUALITY: 70, IMAGES_DIR: '/srv/images', IMAGE_FORMAT: 'avif' })
  })

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '' }).PORT).toBe(3000)
  })

  it('writes variants 256, 640 and 1280 wide unless IMAGE_VARIANT_WIDTHS says otherwise; empty turns them off', () => {
    expect(loadConfig({}).IMAGE_VARIANT_WIDTHS).toBe('256,640,1280')
    expect(loadConfig({ IMAGE_VARIANT_WIDTHS: '320,960' }).IMAGE_VARIANT_WIDTHS).toBe('320,960')
    expect(loadConfig({ IMAGE_VARIANT_WIDTHS: '' }).IMAGE_VARIANT_WIDTHS).toBe('')
    for (const bad of ['256,', '0', '256;640', 'wide', '5']) {
      expect(() => loadConfig({ IMAGE_VARIANT_WIDTHS: bad }), bad).toThrow(/IMAGE_VARIANT_WIDTHS/)
    }
  })

  it('names every bad variable', () => {
    const attempt = () => loadConfig({ PORT: 'eighty', IMAGE_FORMAT: 'gif', DATABASE_URL: 'mysql://x' })
    expect(attempt).toThrow(ConfigError)
    expect(attempt).toThrow(/PORT[\s\S]*IMAGE_FORMAT|IMAGE_FORMAT[\s\S]*PORT/)
    expect(attempt).toThrow(/DATABASE_URL/)
  })

  it('has safe defaults for hostile input', () => {
    expect(loadConfig({})).toMatchObject({
      ALLOW_PRIVATE_IMAGE_URLS: 'false',
      MAX_IMAGES_PER_PRODUCT: 10,
      MAX_IMAGE_URL_LENGTH: 2048,
      API_BODY_LIMIT_BYTES: 65536,
      IMAGE_MAX_INPUT_PIXELS: 50_000_000,
      IMAGE_DECODE_PIXELS: 24_000_000,
      IMAGE_ALLOWED_FORMATS: 'jpeg,png,webp,gif,avif',
      DOWNLOAD_MAX_REDIRECTS: 5,
    })
  })

  it('reads the private-address allowance as true, false or address:port endpoints', () => {
    expect(loadConfig({ ALLOW_PRIVATE_IMAGE_URLS: 'true' }).ALLOW_PRIVATE_IMAGE_URLS).toBe('true')
    expect(loadConfig({ ALLOW_PRIVATE_IMAGE_URLS: '127.0.0.1:8080,[::1]:8080' }).ALLOW_PRIVATE_IMAGE_URLS).toBe(
      '127.0.0.1:8080,[::1]:8080',
    )
    for (const bad of ['yes', 'localhost:8080', '127.0.0.1', '*']) {
      expect(() => loadConfig({ ALLOW_PRIVATE_IMAGE_URLS: bad })).toThrow(/ALLOW_PRIVATE_IMAGE_URLS/)
    }
  })

  it('accepts only formats sharp can sniff', () => {
    expect(loadConfig({ IMAGE_ALLOWED_FORMATS: 'jpeg,svg' }).IMAGE_ALLOWED_FORMATS).toBe('jpeg,svg')
    expect(() => loadConfig({ IMAGE_ALLOWED_FORMATS: 'jpeg,bmp' })).toThrow(/IMAGE_ALLOWED_FORMATS/)
  })

  it('refuses out-of-range numbers', () => {
    expect(() => loadConfig({ IMAGE_QUALITY: '0' })).toThrow(/IMAGE_QUALITY/)
    expect(() => loadConfig({ IMAGE_EFFORT: '7' })).toThrow(/IMAGE_EFFORT/)
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT/)
  })

  it('reads TRUST_PROXY as Fastify takes it: off, on, or proxy addresses', () => {
    expect(trustProxy(loadConfig({}).TRUST_PROXY)).toBe(false)
    expect(trustProxy(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY)).toBe(true)
    expect(trustProxy(loadConfig({ TRUST_PROXY: '10.0.0.1,10.1.0.0/16,::1' }).TRUST_PROXY)).toBe(
      '10.0.0.1,10.1.0.0/16,::1',
    )
    for (const bad of ['yes', 'proxy.example', '10.0.0.1; rm', '10.0.0.1,']) {
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(/TRUST_PROXY/)
    }
  })

  it('refuses TRUST_PROXY=true with NODE_ENV=production, saying why and what to set instead', () => {
    const attempt = () => loadConfig({ NODE_ENV: 'production', TRUST_PROXY: 'true' })
    expect(attempt).toThrow(ConfigError)
    expect(attempt).toThrow(/TRUST_PROXY: .*X-Forwarded-For/)
    expect(attempt).toThrow(/the proxies' addresses or CIDRs/)
    expect(loadConfig({ NODE_ENV: 'production', TRUST_PROXY: '10.0.0.1,10.1.0.0/16' }).TRUST_PROXY).toBe(
      '10.0.0.1,10.1.0.0/16',
    )
    expect(loadConfig({ NODE_ENV: 'production', TRUST_PROXY: 'false' }).TRUST_PROXY).toBe('false')
    // A developer's machine, where there is nobody to pose as anybody.
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe('true')
  })
})

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
