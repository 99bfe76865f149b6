import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * What tests and the bench need to run the built product as an operator would: where it is, and a port
 * to give it. Free of vitest, so `bench/` (plain Node) can import it too.
 */

/** The built entry point, as `npm start` runs it (`npm test` and `npm run bench` build it first). */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** A port nothing listens on right now (PORT must be 1–65535, so the product cannot be given 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
