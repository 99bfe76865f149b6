import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addHealthRoute, createHttpServer, type HttpServer, sendText } from '../../src/http/server.js';

let http: HttpServer;
let base: string;

beforeAll(async () => {
  http = createHttpServer();
  addHealthRoute(http);
  http.addRoute('GET', '/things', ({ res, rest }) => sendText(res, 200, `things:${rest}`));
  http.addRoute('GET', '/things/special', ({ res, rest }) => sendText(res, 200, `special:${rest}`));
  http.addRoute('POST', '/things', ({ res }) => sendText(res, 201, 'made'));
  http.addRoute('GET', '/boom', () => {
    throw new Error('secret internals');
  });
  const port = await http.listen(0);
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await http.close();
});

describe('the HTTP server and its router', () => {
  it('answers /health with 200 ok, and nothing below it', async () => {
    const response = await fetch(`${base}/health`);
    expect([response.status, await response.text()]).toEqual([200, 'ok']);
    expect((await fetch(`${base}/health/ready`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`)).status).toBe(404);
  });

  it('routes by the longest prefix, on path segments, with the rest of the path given to the handler', async () => {
    expect(await (await fetch(`${base}/things/a/b?x=1`)).text()).toBe('things:a/b');
    expect(await (await fetch(`${base}/things/special/7`)).text()).toBe('special:7');
    expect((await fetch(`${base}/thingsx`)).status).toBe(404);
  });

  it('says which methods a path takes, answers HEAD like GET, and hides a handler’s failure', async () => {
    const put = await fetch(`${base}/things`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
    expect((await fetch(`${base}/things`, { method: 'POST' })).status).toBe(201);
    const head = await fetch(`${base}/health`, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
    const boom = await fetch(`${base}/boom`);
    expect([boom.status, await boom.text()]).toEqual([500, 'internal error']);
  });

  it('refuses a second route on the same method and prefix', () => {
    expect(() => http.addRoute('GET', '/things/', () => {})).toThrow(/already taken/);
  });

  it('closes even with a kept-alive connection open', async () => {
    const other = createHttpServer();
    addHealthRoute(other);
    const port = await other.listen(0);
    await fetch(`http://127.0.0.1:${port}/health`, { headers: { connection: 'keep-alive' } });
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(other.port).toBeNull();
  });
});
