/**
 * User text in Slack mrkdwn. Slack reads `<…>` as links and mentions (`<!channel>`, `<@U123>`) and `&` as
 * the start of an entity, so those three characters are escaped in anything a person typed; that is all
 * that stops `<!channel>` in a skip reason from paging a whole channel.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes `text` and cuts it to at most `max` characters after escaping, never inside an entity, ending
 * with `…` when cut. Cutting after escaping is what keeps a payload of `&&&…` inside the limit too.
 */
export function escapeWithin(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  let cut = Math.max(0, max - 1);
  const entityStart = escaped.lastIndexOf('&', cut);
  if (entityStart >= 0 && escaped.indexOf(';', entityStart) >= cut) cut = entityStart;
  return `${escaped.slice(0, cut)}…`;
}

/**
 * Text a person typed (a reason, a value, a version, a name), escaped and cut as `escapeWithin` does, and
 * also kept from formatting the message: Slack mrkdwn has no escape for `*`, `_`, `~` or a backtick, so a
 * zero-width space goes after each one that could open or close a span (a backtick always; the others
 * unless they sit inside a word, where Slack never formats). The character still shows and copies.
 */
export function escapeTyped(text: string, max: number): string {
  return escapeWithin(neutralize(text), max);
}

const ZERO_WIDTH_SPACE = '\u200b';
const WORD_CHAR = /[\p{L}\p{N}]/u;

function neutralize(text: string): string {
  let out = '';
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    out += char;
    if (char === '`') out += ZERO_WIDTH_SPACE;
    else if (char === '*' || char === '_' || char === '~') {
      const inWord = WORD_CHAR.test(text[index - 1] ?? '') && WORD_CHAR.test(text[index + 1] ?? '');
      if (!inWord) out += ZERO_WIDTH_SPACE;
    }
  }
  return out;
}

/** Plain text (button labels, modal titles) cut to `max` characters. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/**
 * A time every reader sees in their own time zone (Slack's date token), with a UTC fallback for clients
 * that cannot show it.
 */
export function slackTime(at: Date, format = '{date_short_pretty} at {time}'): string {
  // Slack says "today" or the date in the reader's zone; the fallback, for clients that cannot, says both.
  const iso = at.toISOString();
  const fallback = `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  return `<!date^${Math.floor(at.getTime() / 1000)}^${format}|${fallback}>`;
}
