import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';

/**
 * The door every Slack HTTP request passes before Bolt sees it: bounded, then signed, then well formed.
 * A body is refused by its declared length before a byte of it is read, and cut off as soon as it
 * passes the limit when it declares none; the signature and its timestamp (five minutes either way)
 * are checked before anything is parsed; a payload that is not the shape Shipcheck reads gets a 400
 * with the reason, never a 500 from deep inside a listener.
 */

/**
 * Slack's own payloads are far smaller (a 50-block message with its state is tens of kB; a modal's
 * state is bounded by its inputs), so 1 MB is generous and still keeps one request's memory small.
 */
export const MAX_SLACK_BODY_BYTES = 1024 * 1024;
/** Slack's own tolerance for a request's age, applied in both directions: a future stamp is no fresher. */
export const SLACK_TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

export interface GateOptions {
  signingSecret: string;
  maxBytes?: number;
  /** Seconds since the epoch; a test may move it. */
  now?: () => number;
  /** Told of every refusal, by reason, for /metrics. */
  onRefused?: (reason: GateRefusal) => void;
}

const SSL_CHECK_MAX_BYTES = 1024;

export type GateRefusal = 'too_large' | 'unsigned' | 'stale' | 'bad_signature' | 'bad_payload';

const STATUS: Record<GateRefusal, number> = {
  too_large: 413,
  unsigned: 401,
  stale: 401,
  bad_signature: 401,
  bad_payload: 400,
};

/** The buffered body Bolt's receiver takes instead of reading the stream again. */
type Buffered = IncomingMessage & { rawBody?: Buffer };

/**
 * Resolves true with `request.rawBody` set when the request may go on to Bolt; false when it was
 * answered here.
 */
export async function admitSlackRequest(
  request: IncomingMessage,
  response: ServerResponse,
  options: GateOptions,
): Promise<boolean> {
  const maxBytes = options.maxBytes ?? MAX_SLACK_BODY_BYTES;
  const refuse = (reason: GateRefusal, detail: string): false => {
    options.onRefused?.(reason);
    response.writeHead(STATUS[reason], { 'content-type': 'text/plain', connection: 'close' });
    // The rest of an oversized body is not read: the connection goes once the answer is out.
    response.end(`${detail}\n`, () => request.destroy());
    return false;
  };
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes)
    return refuse('too_large', `request body over ${maxBytes} bytes`);
  const signature = header(request, 'x-slack-signature');
  const stamp = header(request, 'x-slack-request-timestamp');
  if (!signature || !stamp) {
    // Slack's SSL check is unsigned by design (a few bytes); anything else unsigned is not read at all.
    const probe = await readBounded(request, SSL_CHECK_MAX_BYTES);
    if (probe && isSslCheck(request, probe.toString('utf8')))
      return admit(request, Buffer.from('ssl_check=1'));
    return refuse('unsigned', 'missing Slack signature headers');
  }
  const seconds = Number(stamp);
  const now = options.now?.() ?? Date.now() / 1000;
  if (!Number.isInteger(seconds) || Math.abs(now - seconds) > SLACK_TIMESTAMP_TOLERANCE_SECONDS)
    return refuse('stale', 'request timestamp is more than five minutes off');
  const body = await readBounded(request, maxBytes);
  if (body === null) return refuse('too_large', `request body over ${maxBytes} bytes`);
  const text = body.toString('utf8');
  if (!signatureMatches(options.signingSecret, stamp, text, signature))
    return refuse('bad_signature', 'signature mismatch');
  const problem = shapeProblem(request.headers['content-type'] ?? '', text);
  if (problem) return refuse('bad_payload', `payload not understood: ${problem}`);
  return admit(request, body);
}

function admit(request: Buffered, body: Buffer): true {
  request.rawBody = body;
  return true;
}

function header(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** The whole body, or null as soon as it passes `maxBytes` (what was read so far is dropped). */
function readBounded(request: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        request.off('data', onData);
        request.pause();
        chunks.length = 0;
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => resolve(Buffer.concat(chunks, size)));
    request.once('error', reject);
  });
}

function isSslCheck(request: IncomingMessage, text: string): boolean {
  if (!String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
    return false;
  return new URLSearchParams(text).get('ssl_check') === '1';
}

function signatureMatches(secret: string, stamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(
    `v0=${createHmac('sha256', secret).update(`v0:${stamp}:${body}`).digest('hex')}`,
  );
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

// ── the shapes Shipcheck reads ────────────────────────────────────────────────────────────────────

const id = z.string().min(1).max(255);
const user = z.looseObject({ id, username: z.string().optional(), name: z.string().optional() });

const SlashCommand = z.looseObject({
  command: z.string().min(1),
  text: z.string().optional(),
  user_id: id,
  user_name: z.string().optional(),
  channel_id: id,
  team_id: z.string().optional(),
  trigger_id: id,
  response_url: z.string().optional(),
});

const Action = z.looseObject({
  action_id: id,
  block_id: id,
  action_ts: z.string().optional(),
  value: z.string().optional(),
  selected_option: z.looseObject({ value: z.string() }).nullish(),
});

const BlockActions = z.looseObject({
  type: z.literal('block_actions'),
  user,
  trigger_id: z.string().optional(),
  team: z.looseObject({ id }).nullish(),
  channel: z.looseObject({ id }).nullish(),
  container: z.looseObject({}).nullish(),
  actions: z.array(Action).min(1).max(25),
});

const ViewSubmission = z.looseObject({
  type: z.literal('view_submission'),
  user,
  team: z.looseObject({ id }).nullish(),
  view: z.looseObject({
    id,
    callback_id: z.string(),
    private_metadata: z.string().optional(),
    state: z.looseObject({ values: z.record(z.string(), z.record(z.string(), z.looseObject({}))) }),
  }),
});

/** Anything else Slack may send (a closed modal, a shortcut); Bolt ignores what no listener wants. */
const OtherInteraction = z.looseObject({ type: z.string().min(1) });

function interactionSchema(json: unknown) {
  const type = (json as { type?: unknown } | null)?.type;
  return type === 'block_actions'
    ? BlockActions
    : type === 'view_submission'
      ? ViewSubmission
      : OtherInteraction;
}

/** Null when the body is a shape Shipcheck reads; else the first thing wrong with it, in words. */
export function shapeProblem(contentType: string, text: string): string | null {
  if (contentType.startsWith('application/json')) {
    const json = parseJson(text);
    if (json === undefined) return 'the body is not JSON';
    return describe(z.looseObject({ type: z.string() }).safeParse(json));
  }
  if (!contentType.startsWith('application/x-www-form-urlencoded')) return 'unexpected content type';
  const form = new URLSearchParams(text);
  const payload = form.get('payload');
  if (payload === null) return describe(SlashCommand.safeParse(Object.fromEntries(form)));
  const json = parseJson(payload);
  if (json === undefined) return 'the payload is not JSON';
  return describe(interactionSchema(json).safeParse(json));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describe(result: { success: boolean; error?: z.ZodError }): string | null {
  if (result.success) return null;
  const issue = result.error?.issues[0];
  if (!issue) return 'wrong shape';
  return `${issue.path.join('.') || 'payload'}: ${issue.message}`;
}
