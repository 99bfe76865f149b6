import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLinkSigner, LINK_TTL_MS, resolveLinkSecret } from '../../src/http/links.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const NOW = new Date('2025-03-04T14:00:00Z');

describe('signed run links', () => {
  const signer = createLinkSigner('a-test-secret-of-some-length');

  it('open the run they were made for until they expire', () => {
    const token = signer.sign('k7q2mz9p', NOW);
    expect(token).toMatch(/^k7q2mz9p\.\d+\.[A-Za-z0-9_-]{43}$/);
    expect(signer.verify(token, NOW)).toBe('k7q2mz9p');
    expect(signer.verify(token, new Date(NOW.getTime() + LINK_TTL_MS - 1000))).toBe('k7q2mz9p');
    expect(signer.verify(token, new Date(NOW.getTime() + LINK_TTL_MS + 3_600_000))).toBeNull();
  });

  it('stay the same within the hour, so messages showing them do not change', () => {
    const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);
    expect(signer.sign('k7q2mz9p', at(1))).toBe(signer.sign('k7q2mz9p', at(59)));
  });

  it('refuse any change: another run, a later expiry, a flipped signature, another secret, junk', () => {
    const token = signer.sign('k7q2mz9p', NOW);
    const [runId, expires, signature] = token.split('.') as [string, string, string];
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    for (const forged of [
      `zzzzzzzz.${expires}.${signature}`,
      `${runId}.${Number(expires) + 3600}.${signature}`,
      `${runId}.${expires}.${flipped}`,
      createLinkSigner('another-secret-of-some-length').sign('k7q2mz9p', NOW),
      `${runId}.${expires}`,
      `${token}.extra`,
      '../../etc/passwd',
      '',
    ]) {
      expect(signer.verify(forged, NOW), forged).toBeNull();
    }
  });
});

describe('the link secret', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('is SHIPCHECK_LINK_SECRET when set, else one random secret kept in the database', async () => {
    const { db } = database.handle;
    expect(await resolveLinkSecret(db, 'configured-secret-value')).toBe('configured-secret-value');
    const first = await resolveLinkSecret(db, null);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // A restart, or a second replica, finds the same one.
    expect(await Promise.all([resolveLinkSecret(db, null), resolveLinkSecret(db, null)])).toEqual([
      first,
      first,
    ]);
  });
});
