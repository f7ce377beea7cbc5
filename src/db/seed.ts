// `npm run db:seed`: demo users for a fresh database; leaves a populated `users` table alone.
import { pathToFileURL } from 'node:url'
import { loadConfig } from '../config.ts'
import { createDb, type Db } from './client.ts'

export const DEMO_USERS = [
  { name: 'Asha Verma', mobile: '+919800000001', latitude: 19.076, longitude: 72.8777 },
  { name: 'Ravi Kumar', mobile: '+919800000002', latitude: 12.9716, longitude: 77.5946 },
  { name: 'Meera Iyer', mobile: '+919800000003', latitude: 28.6139, longitude: 77.209 },
]

export async function seedDemoUsers(db: Db): Promise<number> {
  if ((await db.user.count()) > 0) return 0
  const { count } = await db.user.createMany({ data: DEMO_USERS })
  return count
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const db = createDb(loadConfig().DATABASE_URL)
  try {
    const count = await seedDemoUsers(db)
    console.log(count ? `Seeded ${count} demo users` : 'Users exist; nothing seeded')
  } finally {
    await db.$disconnect()
  }
}
