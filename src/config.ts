import os from 'node:os'
import path from 'node:path'
import { type Static, Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

interface IntOptions {
  default: number
  minimum: number
  maximum?: number
  description: string
  /** The default as the docs say it, when the value depends on the machine. */
  documentedDefault?: string
}
const Int = (opts: IntOptions) => Type.Integer(opts)

/** `true`, `false`, or a list of `address:port` (src/images/address-policy.ts reads it). */
const ADDRESS_POLICY =
  '^(true|false|(\\[[0-9A-Fa-f:.]+\\]|[0-9.]+):[0-9]{1,5}(,(\\[[0-9A-Fa-f:.]+\\]|[0-9.]+):[0-9]{1,5})*)$'

// Every setting the service reads, with defaults that run on a developer machine. Each description is
// the setting's documentation: `npm run docs:config` renders them into docs/configuration.md (links are
// relative to docs/), and `documentedDefault` says a default that depends on the machine.
export const EnvSchema = Type.Object({
  NODE_ENV: Type.String({
    default: 'development',
    description:
      '`development` pretty-prints logs at a terminal; anything else writes JSON lines. `production` also ' +
      'refuses `TRUST_PROXY=true`.',
  }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    {
      default: 'info',
      description: "pino's level: lines below it are not written.",
    },
  ),
  DATABASE_URL: Type.String({
    pattern: '^postgres(ql)?://',
    default: 'postgresql://postgres@127.0.0.1:5432/product_image_pipeline',
    description: 'The PostgreSQL database; `npm run db:migrate` (and so `npm start`) creates it when it is missing.',
  }),
  DATABASE_POOL_SIZE: Int({
    default: 10,
    minimum: 1,
    maximum: 100,
    description:
      'Connections per process for queries. A worker opens up to `WORKER_PREFETCH` more, one for the lock of ' +
      'each product in hand.',
  }),
  AMQP_URL: Type.String({
    pattern: '^amqps?://[^,\\s]+(, ?amqps?://[^,\\s]+)*$',
    default: 'amqp://guest:guest@127.0.0.1:5672',
    description:
      "RabbitMQ: one URL, or a cluster's nodes separated by commas; each process connects to one of them and " +
      'moves on to the next when it fails ([operations](operations.md#rabbitmq-cluster-and-quorum-queues)).',
  }),
  AMQP_NAMESPACE: Type.String({
    pattern: '^[A-Za-z0-9._-]*$',
    default: '',
    description: 'Prefixes queue and exchange names, for several environments (or test runs) on one vhost.',
  }),
  HOST: Type.String({ default: '127.0.0.1', description: 'Where the API listens; `0.0.0.0` for every interface.' }),
  PORT: Int({ default: 3000, minimum: 0, maximum: 65535, description: "The API's port." }),
  OPERATIONS_HOST: Type.String({
    minLength: 1,
    default: '127.0.0.1',
    description:
      'Where the operations ports (`OPERATIONS_PORT`, `WORKER_PORT`) listen, whatever `HOST` is: loopback, so ' +
      '`/metrics` is not on a public interface; `0.0.0.0` (never published) for a scraper on another machine or ' +
      'container.',
  }),
  OPERATIONS_PORT: Int({
    default: 3002,
    minimum: 0,
    maximum: 65535,
    description:
      'Where the API process (or both roles in one, as `npm start` runs them) serves `/health`, `/ready` and ' +
      '`/metrics`, off the public port.',
  }),
  WORKER_PORT: Int({
    default: 3001,
    minimum: 0,
    maximum: 65535,
    description: 'Where a worker running alone serves `/health`, `/ready` and `/metrics`.',
  }),
  RATE_LIMIT_PER_MINUTE: Int({
    default: 120,
    minimum: 1,
    maximum: 1_000_000,
    description:
      'Requests per API key per minute on `/products`; then `429` ([access control](access-control.md#rate-limits)).',
  }),
  AUTH_FAILURES_PER_MINUTE: Int({
    default: 20,
    minimum: 1,
    maximum: 1_000_000,
    description:
      "Failed authentications per client address (IPv6: per /64) per minute before that address's failures " +
      'answer `429` for the rest of the minute; a valid key still gets in.',
  }),
  TRUST_PROXY: Type.String({
    pattern: '^(true|false|[0-9A-Fa-f:./]+(,[0-9A-Fa-f:./]+)*)$',
    default: 'false',
    description:
      "Whom to believe about the client's address (`X-Forwarded-For`, Fastify's `trustProxy`): `false`, the " +
      "proxies' addresses or CIDRs (e.g. `10.0.0.1,10.1.0.0/16`), or `true`: any client's header, which " +
      '`NODE_ENV=production` refuses ([access control](access-control.md#behind-a-proxy)).',
  }),
  RATE_LIMIT_REDIS_URL: Type.String({
    pattern: '^(rediss?://.*)?$',
    default: '',
    description:
      '`redis://…`: the rate-limit counters are shared by all API processes (each counts alone while Redis ' +
      'cannot be reached); empty: each process counts alone.',
  }),
  API_BODY_LIMIT_BYTES: Int({
    default: 64 * 1024,
    minimum: 1024,
    maximum: 10 * 1024 * 1024,
    description: 'Larger request bodies answer `413`.',
  }),
  MAX_IMAGES_PER_PRODUCT: Int({
    default: 10,
    minimum: 1,
    maximum: 100,
    description: 'Most `product_images` in one product.',
  }),
  MAX_IMAGE_URL_LENGTH: Int({
    default: 2048,
    minimum: 32,
    maximum: 16384,
    description: 'Longest image URL, in characters.',
  }),
  IMAGES_DIR: Type.String({
    minLength: 1,
    default: './data/images',
    description:
      'Where images are written with `STORAGE=local`: `<IMAGES_DIR>/<product_id>/<source>.<tag>[.<width>w].<ext>`; ' +
      'a relative path is resolved from the working directory.',
  }),
  STORAGE: Type.Union([Type.Literal('local'), Type.Literal('s3')], {
    default: 'local',
    description:
      '`local`: files under `IMAGES_DIR`; `s3`: an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, R2), credentials ' +
      "from the AWS SDK's default chain ([operations](operations.md#object-storage)).",
  }),
  S3_ENDPOINT: Type.String({
    pattern: '^(https?://[^\\s]+)?$',
    default: '',
    description: "The S3 endpoint, e.g. `http://minio:9000` or R2's account endpoint; empty: AWS itself.",
  }),
  S3_BUCKET: Type.String({
    pattern: '^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])?$',
    default: '',
    description: 'The bucket, required with `STORAGE=s3`; it must exist.',
  }),
  S3_REGION: Type.String({
    pattern: '^[a-z0-9-]+$',
    default: 'us-east-1',
    description: "The bucket's region (`auto` for R2).",
  }),
  S3_FORCE_PATH_STYLE: Type.Boolean({
    default: false,
    description: '`true`: `<endpoint>/<bucket>/<key>`, which MinIO and most self-hosted servers need.',
  }),
  IMAGE_FORMAT: Type.Union([Type.Literal('webp'), Type.Literal('jpeg'), Type.Literal('avif')], {
    default: 'webp',
    description:
      'The format images are stored in: `webp`, `jpeg` (mozjpeg) or `avif` ' +
      '([compression settings](performance.md#compression-settings) compares them).',
  }),
  IMAGE_QUALITY: Int({ default: 80, minimum: 1, maximum: 100, description: 'Encoder quality.' }),
  IMAGE_MAX_SIDE: Int({
    default: 2048,
    minimum: 16,
    maximum: 16384,
    description: 'Longest side of the main image, in pixels; smaller images are not enlarged.',
  }),
  IMAGE_EFFORT: Int({
    default: 2,
    minimum: 0,
    maximum: 6,
    description:
      "WebP encoder effort: lower is faster for a few percent more bytes (libwebp's default is 4); other formats " +
      'ignore it. bench/levers.bench.ts measures what each effort costs and saves ([levers](performance.md#levers)).',
  }),
  IMAGE_VARIANT_WIDTHS: Type.String({
    pattern: '^([1-9][0-9]{1,4}(,[1-9][0-9]{1,4})*)?$',
    default: '256,640,1280',
    description:
      "Narrower copies of each image for `srcset` (a listing's thumbnail, a phone, a laptop), comma-separated. " +
      "Widths at or above the main image's are skipped; empty turns variants off " +
      '([responsive images](api.md#responsive-images); [what each set costs](performance.md#variant-widths)).',
  }),
  IMAGE_RETENTION_HOURS: Int({
    default: 168,
    minimum: 0,
    maximum: 87_600,
    description:
      'How long a file stays stored after its product stops naming it (a reprocess under new settings, a ' +
      '`PATCH` of its images), so that pages and caches holding its old URL keep working meanwhile; 0 removes ' +
      'it within seconds. A week outlasts the HTML caches of a storefront and its CDN (minutes to a day) and a ' +
      'weekly static rebuild, for little storage ([product lifecycle](product-lifecycle.md#superseded-files)).',
  }),
  KEEP_ORIGINALS: Type.Boolean({
    default: false,
    description:
      'Also store each source as it was downloaded (`<source>.original`, never served), so that a reprocess ' +
      "under new settings never depends on the source URL still answering. Costs the sources' bytes on top of " +
      "the outputs' ([product lifecycle](product-lifecycle.md#originals)).",
  }),
  IMAGE_CONCURRENCY: Int({
    default: os.availableParallelism(),
    documentedDefault: 'the cores (`os.availableParallelism()`)',
    minimum: 1,
    maximum: 64,
    description:
      "Image tasks one worker runs at once (an image's decode and main file; each of its variants; its " +
      'placeholder), fed by downloads that run outside them. sharp runs each task on one libvips thread here, ' +
      'so one per core keeps the cores busy and more add memory, not speed ' +
      '([the worker pipeline](worker-pipeline.md); [levers](performance.md#levers)).',
  }),
  IMAGE_DECODE_PIXELS: Int({
    default: 24_000_000,
    minimum: 1_000_000,
    maximum: 1_000_000_000,
    description:
      'Source pixels one worker decodes at once: a large photo beside small ones, but never two large photos, ' +
      "whose decodes set the worker's memory peak; one larger than this decodes alone " +
      '([worker memory](performance.md#worker-memory)).',
  }),
  IMAGE_MAX_INPUT_PIXELS: Int({
    default: 50_000_000,
    minimum: 1,
    maximum: 268_402_689,
    description:
      'Larger inputs (width × height) fail as `too_many_pixels` before any pixel is decoded. The default lets ' +
      "through a 45-megapixel camera's full frame (8256×5504) and keeps one decode under about 200 MB (RGBA).",
  }),
  IMAGE_ALLOWED_FORMATS: Type.String({
    pattern: '^(jpeg|png|webp|gif|avif|tiff|svg)(,(jpeg|png|webp|gif|avif|tiff|svg))*$',
    default: 'jpeg,png,webp,gif,avif',
    description:
      'Input formats accepted, sniffed from the bytes, comma-separated. `tiff` and `svg` are off by default: ' +
      'large parsers, and no product photo needs them.',
  }),
  ALLOW_PRIVATE_IMAGE_URLS: Type.String({
    pattern: ADDRESS_POLICY,
    default: 'false',
    description:
      '`true` lets the worker fetch from private and loopback addresses (local development; cloud metadata ' +
      'addresses stay refused); a list of `address:port`, e.g. `127.0.0.1:8080,[::1]:8080`, lifts the block for ' +
      'exactly those endpoints ([limits](api.md#limits)).',
  }),
  DOWNLOAD_MAX_BYTES: Int({
    default: 20 * 1024 * 1024,
    minimum: 1024,
    description: 'Larger downloads are cut off while streaming and fail as `too_large`.',
  }),
  DOWNLOAD_TIMEOUT_MS: Int({
    default: 30_000,
    minimum: 100,
    description:
      'The whole download, redirects and body included: cuts off a body that drips. Its clock stops while the ' +
      'download waits for room in `FETCH_MAX_BYTES`.',
  }),
  DOWNLOAD_CONNECT_TIMEOUT_MS: Int({ default: 10_000, minimum: 100, description: 'To open a connection.' }),
  DOWNLOAD_HEADERS_TIMEOUT_MS: Int({ default: 10_000, minimum: 100, description: 'From request to response headers.' }),
  DOWNLOAD_IDLE_TIMEOUT_MS: Int({
    default: 10_000,
    minimum: 100,
    description: 'Longest silence between two chunks of a body.',
  }),
  DOWNLOAD_MAX_REDIRECTS: Int({
    default: 5,
    minimum: 0,
    maximum: 20,
    description: 'More redirects fail as `too_many_redirects`.',
  }),
  FETCH_MAX_BYTES: Int({
    default: 32 * 1024 * 1024,
    minimum: 1024 * 1024,
    maximum: 4 * 1024 * 1024 * 1024,
    description:
      'Source bytes a worker holds at once, counted as they arrive, downloading or waiting for a core; a download ' +
      "whose next chunk does not fit waits. What the fetch stage adds to the worker's memory (plus at most one " +
      'download): the default is about what two large photos held when downloads ran inside the CPU slots ' +
      '([the worker pipeline](worker-pipeline.md); bench/image-hosts.bench.ts, bench/memory.bench.ts).',
  }),
  FETCH_CONNECTIONS_PER_HOST: Int({
    default: 16,
    minimum: 1,
    maximum: 256,
    description:
      'Connections to one image host at once; more downloads from it wait their turn, so one slow or hostile host ' +
      'cannot take them all, and a shop whose photos all come from one CDN still keeps the cores fed ' +
      '([image hosts](performance.md#image-hosts)).',
  }),
  WORKER_PREFETCH: Int({
    default: 8,
    minimum: 1,
    maximum: 100,
    description:
      'Products a worker takes from the queue at once (RabbitMQ prefetch), so that downloads run ahead of the ' +
      'cores: 8 products of 3 typical photos fill `FETCH_MAX_BYTES`, with room for a couple stuck on a slow host. ' +
      'Each product in hand holds one database connection for its lock, beside the pool.',
  }),
  ALLOW_PRIVATE_WEBHOOK_URLS: Type.String({
    pattern: ADDRESS_POLICY,
    default: 'false',
    description:
      'As `ALLOW_PRIVATE_IMAGE_URLS`, for webhook URLs, at registration and at each delivery; apart from it, ' +
      'since any user registers webhooks and reads their answers ([webhooks](webhooks.md#addresses)).',
  }),
  WEBHOOK_TIMEOUT_MS: Int({
    default: 10_000,
    minimum: 100,
    maximum: 120_000,
    description:
      'How long one delivery may take, from connecting to the answer; a receiver slower than that is tried again ' +
      'later ([webhooks](webhooks.md#delivery)).',
  }),
  WEBHOOK_PREFETCH: Int({
    default: 16,
    minimum: 1,
    maximum: 1000,
    description:
      'Webhook deliveries a worker has in hand at once (RabbitMQ prefetch); each waits on its receiver, never ' +
      'on a core.',
  }),
  SHUTDOWN_TIMEOUT_MS: Int({
    default: 30_000,
    minimum: 100,
    description:
      'How long a stopping process may take; 80 % of it is for the messages in hand to finish, and past it the ' +
      'process exits 1 ([delivery guarantees](delivery-guarantees.md#graceful-shutdown)).',
  }),
})
export type Config = Static<typeof EnvSchema>

export class ConfigError extends Error {}

/** TRUST_PROXY as Fastify's `trustProxy` option takes it. */
export const trustProxy = (value: string): boolean | string =>
  value === 'true' || value === 'false' ? value === 'true' : value

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
  const problems = [...Value.Errors(EnvSchema, env)].map(
    (e) => `${e.path.slice(1)}: ${e.message} (got ${JSON.stringify(e.value)})`,
  )
  const config = env as Config
  if (config.STORAGE === 's3' && !config.S3_BUCKET) problems.push('S3_BUCKET: required when STORAGE=s3')
  if (config.NODE_ENV === 'production' && config.TRUST_PROXY === 'true') problems.push(TRUST_ANY_PROXY)
  if (problems.length > 0) throw new ConfigError(`Invalid environment:\n  ${problems.join('\n  ')}`)
  return { ...config, IMAGES_DIR: path.resolve(config.IMAGES_DIR) }
}
