/**
 * What a database driver would connect to, read from a check's URL the way the driver reads it — so the
 * guard vets the real destination, and the driver is then given explicit options (the vetted address),
 * never the URL. Anything that would let the URL steer the driver elsewhere (a `?host=` override, a socket
 * path, several hosts, files to read) is refused by name rather than ignored.
 */

export interface DriverTarget {
  host: string;
  port: number;
  user: string | null;
  password: string | null;
  /** Postgres: the database; Redis: the numbered database. */
  database: string | null;
  tls: boolean;
  /** Postgres only: verify the server certificate (sslmode verify-ca / verify-full). */
  verifyTls: boolean;
}

export type DriverTargetResult = { ok: true; target: DriverTarget } | { ok: false; detail: string };

/** The parameters a check may set. `host`, `hostaddr` and `port` would move the connection: not allowed. */
const POSTGRES_PARAMETERS = new Set(['sslmode', 'application_name', 'connect_timeout']);
const SSL_MODES = new Set(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify']);

export function parsePostgresTarget(text: string): DriverTargetResult {
  const url = parseUrl(text, /^postgres(ql)?:$/i);
  if (!url) return refused('the target is not a valid postgres://user:password@host/database URL');
  const parameters = url.searchParams;
  for (const name of parameters.keys()) {
    if (!POSTGRES_PARAMETERS.has(name))
      return refused(
        `refused: the URL parameter "${name}" is not allowed in a check (allowed: ${[...POSTGRES_PARAMETERS].join(', ')})`,
      );
  }
  const endpoint = endpointOf(url, 5432);
  if (!endpoint.ok) return endpoint;
  const sslmode = (parameters.get('sslmode') ?? 'disable').toLowerCase();
  if (!SSL_MODES.has(sslmode)) return refused(`sslmode "${sslmode}" is not one Postgres knows`);
  const database = decode(url.pathname.replace(/^\//, ''));
  return {
    ok: true,
    target: {
      ...endpoint.endpoint,
      database: database || null,
      tls: !['disable', 'allow', 'prefer'].includes(sslmode),
      verifyTls: sslmode === 'verify-ca' || sslmode === 'verify-full',
    },
  };
}

export function parseRedisTarget(text: string): DriverTargetResult {
  const url = parseUrl(text, /^rediss?:$/i);
  if (!url) return refused('the target is not a redis:// or rediss:// URL');
  const first = [...url.searchParams.keys()][0];
  // ioredis reads options (host, sentinels, family, tls…) from the query: none is a check's to set.
  if (first !== undefined)
    return refused(`refused: the URL parameter "${first}" is not allowed in a Redis check`);
  const endpoint = endpointOf(url, 6379);
  if (!endpoint.ok) return endpoint;
  const database = url.pathname.replace(/^\//, '');
  if (database && !/^\d{1,2}$/.test(database))
    return refused(`"/${database}" is not a Redis database number`);
  return {
    ok: true,
    target: {
      ...endpoint.endpoint,
      database: database || null,
      tls: url.protocol.toLowerCase() === 'rediss:',
      verifyTls: false,
    },
  };
}

type Endpoint = Pick<DriverTarget, 'host' | 'port' | 'user' | 'password'>;

/** Host, port and login of a driver URL, as both drivers read them; refused when the host is not one. */
function endpointOf(
  url: URL,
  defaultPort: number,
): { ok: true; endpoint: Endpoint } | { ok: false; detail: string } {
  const host = decode(url.hostname);
  const where = hostProblem(host);
  if (where) return { ok: false, detail: where };
  const port = url.port ? Number(url.port) : defaultPort;
  if (!isPort(port)) return { ok: false, detail: `the port "${url.port}" is not a port number` };
  return {
    ok: true,
    endpoint: {
      host: unbracket(host),
      port,
      user: url.username ? decode(url.username) : null,
      password: url.password ? decode(url.password) : null,
    },
  };
}

function parseUrl(text: string, scheme: RegExp): URL | null {
  try {
    const url = new URL(text);
    return scheme.test(url.protocol) ? url : null;
  } catch {
    return null;
  }
}

function hostProblem(host: string): string | null {
  if (!host) return 'the URL names no host: a check must name the host it connects to';
  if (host.startsWith('/') || host.startsWith('@') || host.includes('%2f') || host.includes('%2F'))
    return 'refused: a check connects over the network, not to a local socket';
  if (host.includes(',')) return 'refused: a check connects to one host, not a list';
  return null;
}

function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

function unbracket(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1');
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function refused(detail: string): DriverTargetResult {
  return { ok: false, detail };
}
