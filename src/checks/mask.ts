/**
 * Masks secrets in any text a check shows (chat details, logs): the password of a URL, secret-looking
 * query parameters, and the values of secret-looking variables wherever they appear verbatim.
 */

const MASK = '***';

/** `scheme://user:password@` → `scheme://user:***@` (also `redis://:password@`). */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]*):([^\s/?#@]*)@/gi;

/** `?token=…`, `&api_key=…`, `&X-Amz-Signature=…`. */
const SECRET_PARAMETER =
  /([?&;](?:[\w.-]*[_-])?(?:token|key|apikey|secret|password|passwd|pwd|signature|sig|auth|access_token|credential|credentials)=)[^&\s#"'<>]*/gi;

/** Variable names whose values are secrets; names that hold a path (`SSH_AUTH_SOCK`, `KEY_FILE`) are not. */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|KEY|CREDENTIAL|AUTH|PRIVATE|SIGNATURE/i;
const PATH_NAME = /(?:_PATH|_FILE|_DIR|_SOCK)$/i;

/** Shorter values are not masked verbatim: "1" or "on" would blank out half of every sentence. */
const MIN_SECRET_LENGTH = 4;

export type Masker = (text: string) => string;

/**
 * A masker for one check. `sources` are the variables it may have used (checklist, then environment);
 * `urls` are extra strings (the resolved targets) whose URL passwords must be hidden wherever they appear.
 */
export function createMasker(
  sources: Record<string, string | null | undefined>[],
  urls: string[] = [],
): Masker {
  const secrets = new Set<string>();
  for (const source of sources) {
    for (const [name, value] of Object.entries(source)) {
      if (!value) continue;
      if (SECRET_NAME.test(name) && !PATH_NAME.test(name) && value.length >= MIN_SECRET_LENGTH)
        secrets.add(value);
      // Any variable (DATABASE_URL, REDIS_URL, …) that carries credentials: hide them.
      for (const secret of credentialsIn(value)) secrets.add(secret);
    }
  }
  for (const url of urls) for (const secret of credentialsIn(url)) secrets.add(secret);
  // Longest first, so a secret that contains another is replaced whole.
  const ordered = [...secrets].sort((a, b) => b.length - a.length);
  return (text) => {
    let masked = maskText(text);
    for (const secret of ordered) masked = masked.split(secret).join(MASK);
    return masked;
  };
}

/** Masks what can be recognised without knowing any variable: URL passwords and secret parameters. */
export function maskText(text: string): string {
  return text
    .replace(URL_PASSWORD, (_match, scheme: string, user: string) => `${scheme}${user}:${MASK}@`)
    .replace(SECRET_PARAMETER, (_match, name: string) => `${name}${MASK}`);
}

/** Passwords of URLs and secret parameter values inside a text, raw and percent-decoded. */
function credentialsIn(text: string): string[] {
  const found: string[] = [];
  const add = (value: string | undefined) => {
    if (!value || value.length < MIN_SECRET_LENGTH || value === MASK) return;
    found.push(value);
    try {
      const decoded = decodeURIComponent(value);
      if (decoded !== value) found.push(decoded);
    } catch {
      // Not percent-encoded: the raw value is enough.
    }
  };
  for (const match of text.matchAll(URL_PASSWORD)) add(match[3]);
  for (const match of text.matchAll(SECRET_PARAMETER))
    add(text.slice((match.index ?? 0) + (match[1]?.length ?? 0), (match.index ?? 0) + match[0].length));
  return found;
}
