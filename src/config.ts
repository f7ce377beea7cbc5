import os from 'node:os'
import path from 'node:path'
import { type Static, Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

const Int = (opts: { default: number; minimum: number; maximum?: number }) => Type.Integer(opts)

// Every setting the service reads, with defaults that run on a developer machine.
export const EnvSchema = Type.Object({
  NODE_ENV: Type.String({ default: 'development' }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://', default: 'postgresql://postgres@127.0.0.1:5432/product_image_pipeline' }),
  DATABASE_POOL_SIZE: Int({ default: 10, minimum: 1, maximum: 100 }),
  // One URL, or a cluster's nodes separated by commas.
  AMQP_URL: Type.String({ pattern: '^amqps?://[^,\\s]+(, ?amqps?://[^,\\s]+)*$', default: 'amqp://guest:guest@127.0.0.1:5672' }),
  // Prefixes queues and exchanges, for several environments (or test runs) on one vhost.
  AMQP_NAMESPACE: Type.String({ pattern: '^[A-Za-z0-9._-]*$', default: '' }),
  HOST: Type.String({ default: '127.0.0.1' }),
  PORT: Int({ default: 3000, minimum: 0, maximum: 65535 }),
  // Where the operations servers (OPERATIONS_PORT, WORKER_PORT) listen: loopback, whatever HOST is,
  // so /metrics is not on a public interface; 0.0.0.0 for a scraper on another machine or container.
  OPERATIONS_HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  // Operations (/health, /ready, /metrics) of the API process (or of both roles in one), off the public port.
  OPERATIONS_PORT: Int({ default: 3002, minimum: 0, maximum: 65535 }),
  // A worker running alone serves /health, /ready and /metrics here.
  WORKER_PORT: Int({ default: 3001, minimum: 0, maximum: 65535 }),
  // Requests per API key per minute on /products.
  RATE_LIMIT_PER_MINUTE: Int({ default: 120, minimum: 1, maximum: 1_000_000 }),
  // Failed authentications per client address (IPv6: per /64) per minute before that address's failures answer 429 for the rest of the minute; a valid key still gets in.
  AUTH_FAILURES_PER_MINUTE: Int({ default: 20, minimum: 1, maximum: 1_000_000 }),
  // Whom to believe about the client's address (X-Forwarded-For): false, true (not with NODE_ENV=production), or the proxies' addresses/CIDRs.
  TRUST_PROXY: Type.String({ pattern: '^(true|false|[0-9A-Fa-f:./]+(,[0-9A-Fa-f:./]+)*)$', default: 'false' }),
  // Shares the rate-limit counters between API processes; empty: each process counts alone.
  RATE_LIMIT_REDIS_URL: Type.String({ pattern: '^(rediss?://.*)?$', default: '' }),
  API_BODY_LIMIT_BYTES: Int({ default: 64 * 1024, minimum: 1024, maximum: 10 * 1024 * 1024 }),
  MAX_IMAGES_PER_PRODUCT: Int({ default: 10, minimum: 1, maximum: 100 }),
  MAX_IMAGE_URL_LENGTH: Int({ default: 2048, minimum: 32, maximum: 16384 }),
  IMAGES_DIR: Type.String({ minLength: 1, default: './data/images' }),
  // `s3`: an S3-compatible bucket instead of IMAGES_DIR; credentials from the AWS SDK's chain (AWS_ACCESS_KEY_ID...).
  STORAGE: Type.Union([Type.Literal('local'), Type.Literal('s3')], { default: 'local' }),
  S3_ENDPOINT: Type.String({ pattern: '^(https?://[^\\s]+)?$', default: '' }), // empty: AWS itself
  S3_BUCKET: Type.String({ pattern: '^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])?$', default: '' }),
  S3_REGION: Type.String({ pattern: '^[a-z0-9-]+$', default: 'us-east-1' }),
  S3_FORCE_PATH_STYLE: Type.Boolean({ default: false }),
  IMAGE_FORMAT: Type.Union([Type.Literal('webp'), Type.Literal('jpeg'), Type.Literal('avif')], { default: 'webp' }),
  IMAGE_QUALITY: Int({ default: 80, minimum: 1, maximum: 100 }),
  IMAGE_MAX_SIDE: Int({ default: 2048, minimum: 16, maximum: 16384 }),
  // WebP encoder effort: 2 is 1.8× as fast as libwebp's default 4 on real photos for 2.6 % more bytes (bench/levers.bench.ts).
  IMAGE_EFFORT: Int({ default: 2, minimum: 0, maximum: 6 }),
  // Narrower copies of each image for srcset: a listing's thumbnail, a phone, a laptop (README,
  // Responsive images). Widths at or above the main image's are skipped; empty turns variants off.
  IMAGE_VARIANT_WIDTHS: Type.String({ pattern: '^([1-9][0-9]{1,4}(,[1-9][0-9]{1,4})*)?$', default: '256,640,1280' }),
  // One image per core: sharp runs each image on one libvips thread here, and more images at once
  // add memory, not speed (bench/levers.bench.ts).
  IMAGE_CONCURRENCY: Int({ default: os.availableParallelism(), minimum: 1, maximum: 64 }),
  // Source pixels one worker decodes at once: a 17.9 MP photo beside small ones, but never two
  // large photos, whose decodes set the worker's memory peak (README, Performance).
  IMAGE_DECODE_PIXELS: Int({ default: 24_000_000, minimum: 1_000_000, maximum: 1_000_000_000 }),
  // 50 M pixels: a 45-megapixel camera's full frame; decoding it takes about 200 MB (RGBA).
  IMAGE_MAX_INPUT_PIXELS: Int({ default: 50_000_000, minimum: 1, maximum: 268_402_689 }),
  IMAGE_ALLOWED_FORMATS: Type.String({ pattern: '^(jpeg|png|webp|gif|avif|tiff|svg)(,(jpeg|png|webp|gif|avif|tiff|svg))*$', default: 'jpeg,png,webp,gif,avif' }),
  // `false`, `true` (local development) or `address:port` endpoints, e.g. `127.0.0.1:8080,[::1]:8080`.
  ALLOW_PRIVATE_IMAGE_URLS: Type.String({ pattern: '^(true|false|(\\[[0-9A-Fa-f:.]+\\]|[0-9.]+):[0-9]{1,5}(,(\\[[0-9A-Fa-f:.]+\\]|[0-9.]+):[0-9]{1,5})*)$', default: 'false' }),
  DOWNLOAD_MAX_BYTES: Int({ default: 20 * 1024 * 1024, minimum: 1024 }),
  DOWNLOAD_TIMEOUT_MS: Int({ default: 30_000, minimum: 100 }),
  DOWNLOAD_CONNECT_TIMEOUT_MS: Int({ default: 10_000, minimum: 100 }),
  DOWNLOAD_HEADERS_TIMEOUT_MS: Int({ default: 10_000, minimum: 100 }),
  DOWNLOAD_IDLE_TIMEOUT_MS: Int({ default: 10_000, minimum: 100 }),
  DOWNLOAD_MAX_REDIRECTS: Int({ default: 5, minimum: 0, maximum: 20 }),
  // Source bytes a worker holds at once, counted as they arrive, downloading or waiting for a core:
  // what the fetch stage adds to the worker's memory (plus at most one download: fetch-budget.ts).
  // 32 MiB: as much as two large photos held when downloads ran inside the CPU slots
  // (bench/image-hosts.bench.ts, bench/memory.bench.ts).
  FETCH_MAX_BYTES: Int({ default: 32 * 1024 * 1024, minimum: 1024 * 1024, maximum: 4 * 1024 * 1024 * 1024 }),
  // Connections to one image host at once: one slow or hostile host cannot take all the downloads,
  // and a shop whose photos all come from one CDN still keeps the cores fed at 300 ms a first byte.
  FETCH_CONNECTIONS_PER_HOST: Int({ default: 16, minimum: 1, maximum: 256 }),
  // Products a worker takes from the queue at once (RabbitMQ prefetch), so that downloads run ahead
  // of the cores: 8 products of 3 typical photos fill FETCH_MAX_BYTES, with room for a couple stuck
  // on a slow host. Each product in hand holds one database connection for its lock, beside the pool.
  WORKER_PREFETCH: Int({ default: 8, minimum: 1, maximum: 100 }),
  SHUTDOWN_TIMEOUT_MS: Int({ default: 30_000, minimum: 100 }),
})
export type Config = Static<typeof EnvSchema>

export class ConfigError extends Error {}

/** TRUST_PROXY as Fastify's `trustProxy` option takes it. */
export const trustProxy = (value: string): boolean | string => (value === 'true' || value === 'false' ? value === 'true' : value)

const TRUST_ANY_PROXY =
  'TRUST_PROXY: true believes the X-Forwarded-For of any client, who can then pose as any address and start ' +
  "its count of failed authentications afresh with each request; with NODE_ENV=production set the proxies' " +
  'addresses or CIDRs instead (e.g. 10.0.0.1,10.1.0.0/16), or false when clients connect directly'

/** Reads the environment once at start; fails fast naming every bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const known = Object.fromEntries(
    Object.keys(EnvSchema.properties)
      // Empty means unset, except for a list whose empty value means "none".
      .filter((key) => source[key] !== undefined && (source[key] !== '' || key === 'IMAGE_VARIANT_WIDTHS'))
      .map((key) => [key, source[key]]),
  )
  const env = Value.Convert(EnvSchema, Value.Default(EnvSchema, known))
  const problems = [...Value.Errors(EnvSchema, env)].map((e) => `${e.path.slice(1)}: ${e.message} (got ${JSON.stringify(e.value)})`)
  const config = env as Config
  if (config.STORAGE === 's3' && !config.S3_BUCKET) problems.push('S3_BUCKET: required when STORAGE=s3')
  if (config.NODE_ENV === 'production' && config.TRUST_PROXY === 'true') problems.push(TRUST_ANY_PROXY)
  if (problems.length > 0) throw new ConfigError(`Invalid environment:\n  ${problems.join('\n  ')}`)
  return { ...config, IMAGES_DIR: path.resolve(config.IMAGES_DIR) }
}
