import { defineConfig } from 'prisma/config'

// Read the variable directly: prisma's env() throws when it is unset, even for `prisma generate`.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations', seed: 'npm run db:seed' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/product_image_pipeline' },
})
