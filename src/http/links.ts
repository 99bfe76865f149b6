import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/client.js';
import { trimEndOf } from '../text/trimEnd.js';
import { getOrCreateSetting } from './settingsStore.js';

/**
 * Signed, expiring links to run pages: `<runId>.<expires>.<signature>`, the signature an HMAC-SHA256 of
 * the run id and the expiry under a secret that never leaves the server. Anyone with the link can read
 * the page until it expires; nobody can make one for another run or stretch its life.
 */

/** Long enough to read the page of last week's deploy in a post-mortem; a new link is minted on each status. */
export const LINK_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/**
 * Expiry is rounded up to the hour, so the same run's link stays the same for an hour: messages that show
 * it do not change (and get re-sent) just because a new token was minted.
 */
const EXPIRY_STEP_MS = 60 * 60 * 1000;
const SECRET_SETTING = 'run_link_secret';

export interface LinkSigner {
  sign(runId: string, now?: Date): string;
  /** The run a token opens, or null for anything malformed, tampered with or expired. */
  verify(token: string, now?: Date): string | null;
}

export function createLinkSigner(secret: string, ttlMs = LINK_TTL_MS): LinkSigner {
  if (secret.length < 16) throw new Error('the link secret must be at least 16 characters');
  const mac = (payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');
  return {
    sign(runId, now = new Date()) {
      const expires = Math.ceil((now.getTime() + ttlMs) / EXPIRY_STEP_MS) * (EXPIRY_STEP_MS / 1000);
      const payload = `${runId}.${expires}`;
      return `${payload}.${mac(payload)}`;
    },
    verify(token, now = new Date()) {
      const match = /^([A-Za-z0-9_-]{1,64})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
      if (!match) return null;
      const [, runId, expires, signature] = match as unknown as [string, string, string, string];
      const expected = Buffer.from(mac(`${runId}.${expires}`));
      const given = Buffer.from(signature);
      // Constant-time, so the signature cannot be found byte by byte from response times.
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      if (Number(expires) * 1000 <= now.getTime()) return null;
      return runId;
    },
  };
}

/**
 * SHIPCHECK_LINK_SECRET when set; otherwise a random secret kept in the database, so links survive a
 * restart and every replica signs and checks them alike.
 */
export async function resolveLinkSecret(db: Database, configured: string | null): Promise<string> {
  if (configured) return configured;
  return getOrCreateSetting(db, SECRET_SETTING, () => randomBytes(32).toString('base64url'));
}

/** `https://shipcheck.example.com/runs/<token>` for a run. */
export function runPageUrl(baseUrl: string, signer: LinkSigner, runId: string, now?: Date): string {
  return `${trimEndOf(baseUrl, '/')}/runs/${signer.sign(runId, now)}`;
}
