/**
 * Masks secrets in any text a check shows (chat details, logs): the password of a URL, secret-looking
 * query parameters, the values of secret-looking variables, and every value substituted into a check's
 * target — each also in the forms a target may echo back (percent-encoded, base64, a Basic-auth pair).
 */

const MASK = '***';

/** `scheme://user:password@` → `scheme://user:***@` (also `redis://:password@`); found from the `://`. */
const URL_PASSWORD = /(:\/\/)([^\s/?#@:]*):([^\s/?#@]*)@/g;

/** `?token=…`, `&api_key=…`, `&X-Amz-Signature=…`. */
const SECRET_PARAMETER =
  /([?&;](?:[\w.-]*[_-])?(?:token|key|apikey|secret|password|passwd|pwd|pw|pass|passphrase|signature|sig|auth|access_token|credential|credentials)=)[^&\s#"'<>]*/gi;

/** Variable names whose values are secrets; names that hold a path (`SSH_AUTH_SOCK`, `KEY_FILE`) are not. */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|KEY|CREDENTIAL|AUTH|PRIVATE|SIGNATURE/i;
const PATH_NAME = /(?:_PATH|_FILE|_DIR|_SOCK)$/i;

/** Shorter values are not masked verbatim: "1" or "on" would blank out half of every sentence. */
const MIN_SECRET_LENGTH = 4;

export type Masker = (text: string) => string;

/**
 * A masker for one check. `sources` are the variables it may have used (checklist, then environment);
 * `urls` are extra strings (the resolved targets) whose URL passwords must be hidden wherever they appear;
 * `substituted` are the values that filled the target's placeholders, hidden whatever their names.
 */
export function createMasker(
  sources: Record<string, string | null | undefined>[],
  urls: string[] = [],
  substituted: string[] = [],
): Masker {
  const secrets = new Set<string>();
  for (const value of substituted) for (const form of echoedForms(value)) secrets.add(form);
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

/** A value as a target may echo it: as is, percent-encoded, and in base64 (a header, a token). */
function echoedForms(value: string): string[] {
  if (value.length < MIN_SECRET_LENGTH) return [];
  const forms = new Set([value, encodeURIComponent(value)]);
  const bytes = Buffer.from(value);
  forms.add(bytes.toString('base64'));
  forms.add(bytes.toString('base64url'));
  return [...forms];
}

function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Passwords of URLs (with the Basic-auth header they make) and secret parameter values inside a text. */
function credentialsIn(text: string): string[] {
  const found: string[] = [];
  const add = (value: string | undefined) => {
    if (!value || value.length < MIN_SECRET_LENGTH || value === MASK) return;
    found.push(value);
    const plain = decoded(value);
    if (plain !== value) found.push(plain);
  };
  for (const match of text.matchAll(URL_PASSWORD)) {
    add(match[3]);
    if (match[3] && match[3] !== MASK) {
      // What an HTTP check sends for `user:password@`: the header echoed back by a target must not show it.
      const pair = Buffer.from(`${decoded(match[2] ?? '')}:${decoded(match[3])}`).toString('base64');
      found.push(pair);
    }
  }
  for (const match of text.matchAll(SECRET_PARAMETER))
    add(text.slice((match.index ?? 0) + (match[1]?.length ?? 0), (match.index ?? 0) + match[0].length));
  return found;
}
