import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { settings } from '../db/schema.js';

/**
 * The value stored under `key`, storing `initial` first when there is none. Insert-then-read, so replicas
 * starting together all end up with the first value written, never each their own.
 */
export async function getOrCreateSetting(db: Database, key: string, initial: () => string): Promise<string> {
  await db.insert(settings).values({ key, value: initial() }).onConflictDoNothing({ target: settings.key });
  const rows = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, key));
  const value = rows[0]?.value;
  if (value === undefined) throw new Error(`setting ${key} vanished right after it was written`);
  return value;
}
