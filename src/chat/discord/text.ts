/**
 * User text in Discord markdown. `allowedMentions: { parse: [] }` on every message is what stops a ping;
 * escaping also stops a checklist item or a skip reason from formatting the message, hiding a masked
 * link, or *showing* as a mention: markdown characters get a backslash, `@` a zero-width joiner.
 */
export function escapeDiscord(text: string): string {
  return text
    .replace(/[\\*_~`|[\]<>:]/g, (char) => `\\${char}`)
    .replace(/@/g, '@\u200b')
    .replace(/\r?\n/g, ' ');
}

/** Escapes `text` and cuts it to at most `max` characters after escaping, never between `\` and its character. */
export function escapeWithin(text: string, max: number): string {
  const escaped = escapeDiscord(text);
  if (escaped.length <= max) return escaped;
  let cut = Math.max(0, max - 1);
  // Count the backslashes before the cut: an odd number means the cut splits an escape.
  let slashes = 0;
  while (cut - slashes - 1 >= 0 && escaped[cut - slashes - 1] === '\\') slashes += 1;
  if (slashes % 2 === 1) cut -= 1;
  if (escaped[cut - 1] === '@') cut -= 1;
  return `${escaped.slice(0, cut)}…`;
}

/** Plain text (button labels, option labels, modal titles): no markdown is read there. */
export function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(0, max - 1))}…`;
}

/** A time every reader sees in their own time zone: Discord's timestamp markup. */
/** `f` is the date and time in the reader's zone, so a time from another day never reads as today's. */
export function discordTime(at: Date, style: 't' | 'f' | 'R' = 'f'): string {
  return `<t:${Math.floor(at.getTime() / 1000)}:${style}>`;
}
