import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import type { TestProject } from 'vitest/node'
import { getContainerRuntimeClient } from 'testcontainers'

declare module 'vitest' {
  export interface ProvidedContext {
    /** A server where each test file creates and drops its own database. */
    databaseUrl: string
    amqpUrl: string
  }
}

const LOCAL_DATABASE = 'postgresql://postgres@127.0.0.1:5432/postgres'
const LOCAL_AMQP = 'amqp://guest:guest@127.0.0.1:5672'

async function dockerAvailable(): Promise<boolean> {
  try {
    await getContainerRuntimeClient()
    return true
  } catch {
    return false
  }
}

/**
 * dist/ as `npm run build` makes it, once before any test file: the commands production runs
 * (`npm run db:*`, `npm run apikey:*`, node dist/main.js) are then the current sources, compiled.
 */
async function build(): Promise<void> {
  const root = path.resolve(import.meta.dirname, '..')
  await promisify(execFile)('npm', ['run', '-s', 'build'], { cwd: root })
}

/**
 * URLs given in TEST_DATABASE_URL / TEST_AMQP_URL win; otherwise containers when a Docker engine
 * is there; otherwise the services running on this machine.
 */
export default async function setup(project: TestProject) {
  await build()
  let databaseUrl = process.env.TEST_DATABASE_URL
  let amqpUrl = process.env.TEST_AMQP_URL
  const stops: (() => Promise<unknown>)[] = []

  if ((!databaseUrl || !amqpUrl) && (await dockerAvailable())) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql')
    const { RabbitMQContainer } = await import('@testcontainers/rabbitmq')
    if (!databaseUrl) {
      const postgres = await new PostgreSqlContainer('postgres:16-alpine').start()
      stops.push(() => postgres.stop())
      databaseUrl = postgres.getConnectionUri()
    }
    if (!amqpUrl) {
      const rabbit = await new RabbitMQContainer('rabbitmq:3.13-alpine').start()
      stops.push(() => rabbit.stop())
      amqpUrl = rabbit.getAmqpUrl()
    }
  }
  project.provide('databaseUrl', databaseUrl ?? LOCAL_DATABASE)
  project.provide('amqpUrl', amqpUrl ?? LOCAL_AMQP)
  return async () => {
    for (const stop of stops) await stop()
  }
}
