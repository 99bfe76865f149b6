import { PassThrough } from 'node:stream';
import pino from 'pino';
import type { ChatDeps } from '../../src/chat/handle.js';
import { runTerminal } from '../../src/chat/terminal/terminal.js';

/** Types lines into the terminal channel as `user`, as a person at the keyboard would, and returns what it printed. */
export async function typeInTerminal(deps: ChatDeps, lines: string[], user = 'ana'): Promise<string> {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk) => {
    printed += chunk;
  });
  const done = runTerminal({
    deps,
    input,
    output,
    interactive: false,
    user,
    logger: pino({ level: 'silent' }),
  });
  input.end(lines.map((line) => `${line}\n`).join(''));
  await done;
  return printed;
}
