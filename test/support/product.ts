import { rmSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { FakeSlack, type FakeSlackOptions } from '../fakes/slack/server.js';
import type { SlackWorkspace } from '../fakes/slack/workspace.js';
import { createTestDatabase, preparePgliteDir } from './db.js';
import { type RunningProduct, startSlackProduct } from './spawnedProduct.js';

export {
  eventually,
  type RunningProduct,
  SLACK_SECRET,
  startProduct,
  startSlackProduct,
} from './spawnedProduct.js';

/** Where a product under test keeps its data: a fresh Postgres database, or an embedded data directory. */
export interface ProductStore {
  /** What the product's environment needs to use it. */
  env: Record<string, string>;
  /** Reads the store as the product left it; the embedded one only once the product has exited. */
  read<T>(work: (handle: DatabaseHandle) => Promise<T>): Promise<T>;
  dispose(): Promise<void>;
}

/** Postgres when DATABASE_URL is set (a database of its own), else a copy of the prepared PGlite data. */
export async function productStore(): Promise<ProductStore> {
  if (process.env.DATABASE_URL) {
    const database = await createTestDatabase();
    return { env: database.env, read: (work) => work(database.handle), dispose: () => database.drop() };
  }
  const dataDir = preparePgliteDir();
  return {
    env: { SHIPCHECK_DATA_DIR: dataDir },
    async read(work) {
      const handle = await openDatabase({ kind: 'pglite', dataDir });
      try {
        return await work(handle);
      } finally {
        await handle.close();
      }
    },
    async dispose() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * For a describe block: a fake Slack and a store made before its tests and cleaned up after them, with
 * the product started on demand (and killed afterwards, whatever the test did).
 */
export function useSlackProduct(options: FakeSlackOptions = {}) {
  const fake = new FakeSlack(options);
  let store: ProductStore | null = null;
  let product: RunningProduct | null = null;
  beforeAll(async () => {
    await fake.start();
    store = await productStore();
  });
  afterAll(async () => {
    product?.kill();
    await fake.close();
    await store?.dispose();
  });
  const storeOf = (): ProductStore => {
    if (!store) throw new Error('the store is made in beforeAll');
    return store;
  };
  return {
    fake,
    store: storeOf,
    async start(): Promise<{ product: RunningProduct; workspace: SlackWorkspace }> {
      const started = await startSlackProduct(fake, storeOf().env);
      product = started.product;
      return started;
    },
  };
}
