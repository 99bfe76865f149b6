import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { runCheck } from '../../src/checks/runner.js';
import { closedPort, contextFor, type Running, startHttp, startTcp } from './support.js';

let wss: WebSocketServer;
let url: string;

beforeAll(async () => {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  wss.on('connection', (socket, request) => {
    if (request.url === '/silent') return;
    if (request.url === '/close') {
      socket.close(1011, 'going away');
      return;
    }
    socket.on('message', (data) => {
      const text = String(data);
      socket.send(text === 'ping' ? JSON.stringify({ type: 'pong', at: 1 }) : `echo: ${text}`);
    });
  });
});

afterAll(async () => {
  for (const client of wss.clients) client.terminate();
  await new Promise((resolve) => wss.close(resolve));
});

describe('websocket checks', () => {
  it('connects within the budget', async () => {
    const result = await runCheck({ kind: 'websocket', url }, contextFor());
    expect(result).toMatchObject({ ok: true, value: 'open' });
    expect(result.detail).toMatch(/^connected in \d+ ms$/);
  });

  it('sends a message and expects a substring in the first reply', async () => {
    const result = await runCheck({ kind: 'websocket', url, send: 'ping', expect: '"pong"' }, contextFor());
    expect(result).toMatchObject({ ok: true, value: '{"type":"pong","at":1}' });
    const wrong = await runCheck({ kind: 'websocket', url, send: 'hello', expect: 'pong' }, contextFor());
    expect(wrong).toMatchObject({
      ok: false,
      value: 'echo: hello',
      detail: 'the first reply does not contain "pong": echo: hello',
    });
  });

  it('fails when no reply comes within the budget', async () => {
    const started = performance.now();
    const result = await runCheck(
      { kind: 'websocket', url: `${url}/silent`, send: 'ping', expect: 'pong' },
      contextFor({ timeoutMs: 300 }),
    );
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/^connected in \d+ ms but no reply within 300 ms$/);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('fails when the server closes before replying', async () => {
    const result = await runCheck({ kind: 'websocket', url: `${url}/close`, send: 'ping' }, contextFor());
    expect(result).toMatchObject({
      ok: false,
      detail: 'the server closed the connection (code 1011) before replying',
    });
  });

  it('reports a refused connection', async () => {
    const port = await closedPort();
    const result = await runCheck({ kind: 'websocket', url: `ws://127.0.0.1:${port}/socket` }, contextFor());
    expect(result).toMatchObject({
      ok: false,
      value: null,
      detail: `connection refused by 127.0.0.1:${port}`,
    });
  });

  it('reports an HTTP server that does not upgrade, and one that never answers', async () => {
    const plain: Running = await startHttp((_request, response) => {
      response.statusCode = 404;
      response.end('no sockets here');
    });
    const silent = await startTcp();
    try {
      const notUpgraded = await runCheck(
        { kind: 'websocket', url: `ws://127.0.0.1:${plain.port}/` },
        contextFor(),
      );
      expect(notUpgraded).toMatchObject({
        ok: false,
        value: '404',
        detail: 'the server answered HTTP 404 instead of upgrading to a WebSocket',
      });
      const started = performance.now();
      const timedOut = await runCheck(
        { kind: 'websocket', url: `ws://127.0.0.1:${silent.port}/` },
        contextFor({ timeoutMs: 300 }),
      );
      expect(timedOut).toMatchObject({ ok: false, detail: 'timed out after 300 ms' });
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      await Promise.all([plain.close(), silent.close()]);
    }
  });
});
