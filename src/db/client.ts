import { PrismaPg } from '@prisma/adapter-pg'
import { PrismaClient } from '../generated/prisma/client.ts'

export type Db = PrismaClient

/**
 * Prisma through the pg driver adapter: no native query engine to download. `minimal` errors:
 * otherwise Prisma captures a stack trace on every query, to point a possible error at its
 * caller; our errors are handled by their codes and logged with their own stacks.
 */
export function createDb(databaseUrl: string, poolSize = 10): Db {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: databaseUrl, max: poolSize }),
    errorFormat: 'minimal',
  })
}
