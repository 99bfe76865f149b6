/**
 * How much text a run keeps from a person, and how much of their input is said back to them. A reason
 * is a sentence or a paragraph; past this it is a paste, and every later status would carry it.
 */
export const MAX_TEXT_CHARS = 2_000;

/** What a refusal quotes of what someone typed: enough to recognise it, never the whole of a paste. */
export const MAX_ECHO_CHARS = 100;

/** `text` shortened to at most `limit` characters, with an ellipsis when it was cut. */
export function echo(text: string, limit: number = MAX_ECHO_CHARS): string {
  const chars = Array.from(text);
  return chars.length <= limit ? text : `${chars.slice(0, limit - 1).join('')}…`;
}

/** Null when `text` fits; else the sentence that refuses it, naming the field and both lengths. */
export function tooLong(what: string, text: string): string | null {
  if (text.length <= MAX_TEXT_CHARS) return null;
  return `${what} is ${text.length.toLocaleString('en-US')} characters long; the most a run keeps is ${MAX_TEXT_CHARS.toLocaleString('en-US')}. Shorten it, or put the long text somewhere and link it.`;
}
