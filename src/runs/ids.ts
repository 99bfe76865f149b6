import { randomBytes } from 'node:crypto';

// No 0/o, 1/l/i: run ids are read aloud and typed by tired people.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A short random run id such as `k7q2mz9p`: 31^8 ≈ 8.5e11 values, and the primary key catches a repeat. */
export function newRunId(length = 8): string {
  const bytes = randomBytes(length);
  let id = '';
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return id;
}
