import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/checks/runner.js';
import { closedPort, contextFor, type Running, startTcp, target } from './support.js';

/** REDIS_URL when set (CI), else a redis-server on 127.0.0.1:6379 if one answers, else these tests are skipped. */
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

async function probeRedis(url: string): Promise<string | null> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let socketError: unknown;
  client.on('error', (error: unknown) => {
    socketError = error;
  });
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (error) {
    const cause = socketError ?? error;
    return cause instanceof Error ? cause.message : String(cause);
  } finally {
    client.disconnect();
  }
}

const unavailable = await probeRedis(REDIS_URL);
const skipReason = unavailable
  ? `Redis check tests skipped: no Redis at ${process.env.REDIS_URL ? 'REDIS_URL' : '127.0.0.1:6379'} (${unavailable}); set REDIS_URL or start redis-server to run them`
  : null;
if (skipReason) console.warn(skipReason);

/**
 * Just enough of the Redis protocol to answer PING and INFO, recording every command it receives, so
 * the tests can prove a check sends nothing else. `info` is the INFO text it serves.
 */
async function startFakeRedis(info: string): Promise<Running & { commands: string[] }> {
  const commands: string[] = [];
  const server = await startTcp((socket) => {
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        const parsed = parseCommand(buffer);
        if (!parsed) break;
        buffer = buffer.slice(parsed.length);
        const [name = '', ...args] = parsed.words;
        commands.push([name.toUpperCase(), ...args].join(' '));
        if (name.toUpperCase() === 'PING') socket.write('+PONG\r\n');
        else if (name.toUpperCase() === 'INFO') socket.write(`$${Buffer.byteLength(info)}\r\n${info}\r\n`);
        else socket.write(`-ERR unknown command '${name}'\r\n`);
      }
    });
  });
  return { ...server, commands };
}

function parseCommand(buffer: string): { words: string[]; length: number } | null {
  const header = /^\*(\d+)\r\n/.exec(buffer);
  if (!header) return null;
  let offset = header[0].length;
  const words: string[] = [];
  for (let index = 0; index < Number(header[1]); index++) {
    const bulk = /^\$(\d+)\r\n/.exec(buffer.slice(offset));
    if (!bulk) return null;
    offset += bulk[0].length;
    const size = Number(bulk[1]);
    if (buffer.length < offset + size + 2) return null;
    words.push(buffer.slice(offset, offset + size));
    offset += size + 2;
  }
  return { words, length: offset };
}

const INFO_MEMORY = '# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\nmaxmemory:0\r\n';

describe('redis checks against a local protocol fake', () => {
  let fake: Running & { commands: string[] };

  beforeAll(async () => {
    fake = await startFakeRedis(INFO_MEMORY);
  });

  afterAll(async () => {
    await fake.close();
  });

  it('sends only PING and INFO', async () => {
    const url = `redis://127.0.0.1:${fake.port}`;
    const ping = await runCheck({ kind: 'redis', url, command: 'PING' }, contextFor());
    expect(ping).toMatchObject({ ok: true, value: 'PONG' });
    const info = await runCheck(
      { kind: 'redis', url, command: 'INFO', field: 'memory.used_memory', target: target('< 512mb') },
      contextFor(),
    );
    expect(info).toMatchObject({
      ok: true,
      value: '1048576',
      detail: 'used_memory is 1 MB (target < 512mb)',
    });
    const human = await runCheck(
      { kind: 'redis', url, command: 'INFO', field: 'memory:used_memory_human', target: target('< 1kb') },
      contextFor(),
    );
    expect(human).toMatchObject({
      ok: false,
      value: '1.00M',
      detail: 'used_memory_human is 1 MB, target < 1kb not met',
    });
    expect(fake.commands).toEqual(['PING', 'INFO memory', 'INFO memory']);
  });

  it('reports a missing field', async () => {
    const result = await runCheck(
      {
        kind: 'redis',
        url: `redis://127.0.0.1:${fake.port}`,
        command: 'INFO',
        field: 'memory.used_memory_peak',
      },
      contextFor(),
    );
    expect(result).toMatchObject({ ok: false, detail: 'INFO memory has no field used_memory_peak' });
  });

  it('reports a refused connection, a silent server and a server that is not Redis', async () => {
    const port = await closedPort();
    const refused = await runCheck(
      { kind: 'redis', url: `redis://127.0.0.1:${port}`, command: 'PING' },
      contextFor(),
    );
    expect(refused).toMatchObject({
      ok: false,
      value: null,
      detail: `connection refused by 127.0.0.1:${port}`,
    });

    const silent = await startTcp();
    const http = await startTcp((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    try {
      const started = performance.now();
      const timedOut = await runCheck(
        { kind: 'redis', url: `redis://127.0.0.1:${silent.port}`, command: 'PING' },
        contextFor({ timeoutMs: 300 }),
      );
      expect(timedOut).toMatchObject({ ok: false, detail: 'timed out after 300 ms' });
      expect(performance.now() - started).toBeLessThan(1000);
      const notRedis = await runCheck(
        { kind: 'redis', url: `redis://127.0.0.1:${http.port}`, command: 'PING' },
        contextFor({ timeoutMs: 1000 }),
      );
      expect(notRedis.ok).toBe(false);
      expect(notRedis.detail.length).toBeGreaterThan(0);
    } finally {
      await Promise.all([silent.close(), http.close()]);
    }
  });

  it('refuses a target that is not a redis:// URL', async () => {
    const result = await runCheck(
      { kind: 'redis', url: 'http://127.0.0.1:6379', command: 'PING' },
      contextFor(),
    );
    expect(result).toMatchObject({ ok: false, detail: 'the target is not a redis:// or rediss:// URL' });
  });
});

describe.skipIf(skipReason !== null)('redis checks against a real Redis', () => {
  it('PING answers PONG', async () => {
    const result = await runCheck({ kind: 'redis', url: REDIS_URL, command: 'PING' }, contextFor());
    expect(result).toMatchObject({ ok: true, value: 'PONG' });
    expect(result.detail).toMatch(/^PING answered PONG in \d+ ms$/);
  });

  it('compares INFO memory used_memory with a threshold', async () => {
    const pass = await runCheck(
      {
        kind: 'redis',
        url: REDIS_URL,
        command: 'INFO',
        field: 'memory.used_memory',
        target: target('< 512mb'),
      },
      contextFor(),
    );
    expect(pass.ok).toBe(true);
    expect(Number(pass.value)).toBeGreaterThan(0);
    expect(pass.detail).toMatch(/^used_memory is [\d.]+ (KB|MB) \(target < 512mb\)$/);
    const fail = await runCheck(
      { kind: 'redis', url: REDIS_URL, command: 'INFO', field: 'used_memory', target: target('< 1kb') },
      contextFor(),
    );
    expect(fail.ok).toBe(false);
    expect(fail.detail).toMatch(/^used_memory is [\d.]+ (KB|MB), target < 1kb not met$/);
  });

  it('answers a whole INFO section', async () => {
    const result = await runCheck(
      { kind: 'redis', url: REDIS_URL, command: 'INFO', field: 'memory' },
      contextFor(),
    );
    expect(result.ok).toBe(true);
    expect(result.detail).toMatch(/^INFO memory answered \d+ fields in \d+ ms$/);
  });
});
