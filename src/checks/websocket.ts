import WebSocket from 'ws';
import type { CheckSpec } from '../checklist/types.js';
import { describeError, hostPortOf, snippet, stopwatch } from './describe.js';
import type { CheckResult, KindContext } from './types.js';

type WebSocketSpec = Extract<CheckSpec, { kind: 'websocket' }>;

/**
 * Opens a WebSocket (ws:// or wss://) within the budget; optionally sends a message and expects a
 * substring in the first reply. Redirects are not followed.
 */
export function checkWebSocket(spec: WebSocketSpec, context: KindContext): Promise<CheckResult> {
  const elapsed = stopwatch();
  const where = hostPortOf(spec.url);
  return new Promise<CheckResult>((resolve) => {
    let socket: WebSocket;
    let settled = false;
    let openedIn = 0;
    const finish = (result: CheckResult) => {
      if (settled) return;
      settled = true;
      context.signal.removeEventListener('abort', onAbort);
      socket?.removeAllListeners();
      socket?.on('error', () => undefined);
      if (socket && socket.readyState !== WebSocket.CLOSED) socket.terminate();
      resolve(result);
    };
    const onAbort = () =>
      finish({
        ok: false,
        value: null,
        latencyMs: elapsed(),
        detail: openedIn
          ? `connected in ${Math.round(openedIn)} ms but no reply within ${context.timeoutMs} ms`
          : `timed out after ${context.timeoutMs} ms`,
      });
    try {
      socket = new WebSocket(spec.url, {
        handshakeTimeout: Math.max(1, Math.round(context.remainingMs())),
        followRedirects: false,
        lookup: context.lookup,
        // The TLS check judges certificates; this one judges the socket, so a wss:// check behaves like a browser.
        rejectUnauthorized: true,
      });
    } catch (error) {
      resolve({
        ok: false,
        value: null,
        latencyMs: elapsed(),
        detail: describeError(error, context.timeoutMs, where),
      });
      return;
    }
    if (context.signal.aborted) {
      onAbort();
      return;
    }
    context.signal.addEventListener('abort', onAbort, { once: true });
    socket.on('unexpected-response', (_request, response) => {
      finish({
        ok: false,
        value: String(response.statusCode),
        latencyMs: elapsed(),
        detail: `the server answered HTTP ${response.statusCode} instead of upgrading to a WebSocket`,
      });
    });
    socket.on('error', (error) =>
      finish({
        ok: false,
        value: null,
        latencyMs: elapsed(),
        detail: describeError(error, context.timeoutMs, where),
      }),
    );
    socket.on('close', (code) =>
      finish({
        ok: false,
        value: null,
        latencyMs: elapsed(),
        detail: openedIn
          ? `the server closed the connection (code ${code}) before replying`
          : `the server closed the connection (code ${code})`,
      }),
    );
    socket.on('open', () => {
      openedIn = elapsed();
      if (spec.send === undefined && spec.expect === undefined) {
        finish({
          ok: true,
          value: 'open',
          latencyMs: openedIn,
          detail: `connected in ${Math.round(openedIn)} ms`,
        });
        return;
      }
      if (spec.send !== undefined) socket.send(spec.send);
    });
    socket.on('message', (data, isBinary) => {
      const reply = isBinary ? `<${Buffer.isBuffer(data) ? data.length : 0} bytes of binary>` : String(data);
      const latencyMs = elapsed();
      if (spec.expect === undefined || reply.includes(spec.expect)) {
        finish({
          ok: true,
          value: snippet(reply, 200),
          latencyMs,
          detail: `connected in ${Math.round(openedIn)} ms and got a reply in ${Math.round(latencyMs)} ms`,
        });
      } else {
        finish({
          ok: false,
          value: snippet(reply, 200),
          latencyMs,
          detail: `the first reply does not contain "${snippet(spec.expect, 60)}": ${snippet(reply, 200)}`,
        });
      }
    });
  });
}
