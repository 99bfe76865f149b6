import { describe, expect, it } from 'vitest';
import { detectCheck, normalizeTarget, variablesIn } from '../../src/checklist/detect.js';
import { parseChecklist, readChecklist } from '../../src/checklist/parse.js';
import type { Checklist, ChecklistItem } from '../../src/checklist/types.js';
import { checklistFrom, loadSeed, type SEED_FILES } from '../support/checklists.js';
import { itWithSeeds } from '../support/seeds.js';

type SeedFile = (typeof SEED_FILES)[number];

const parsed = new Map<SeedFile, Checklist>();
function seed(file: SeedFile): Checklist {
  let checklist = parsed.get(file);
  if (!checklist) {
    checklist = loadSeed(file);
    parsed.set(file, checklist);
  }
  return checklist;
}

function at(checklist: Checklist, line: number): ChecklistItem {
  const item = checklist.items.find((candidate) => candidate.line === line);
  if (!item) throw new Error(`${checklist.name} has no item at line ${line}`);
  return item;
}

function byRef(checklist: Checklist, ref: string): ChecklistItem {
  const item = checklist.items.find((candidate) => candidate.ref === ref);
  if (!item) throw new Error(`${checklist.name} has no item ${ref}`);
  return item;
}

/** What `shipcheck lint` lists: line, kind and target of every check. */
function detected(checklist: Checklist): [number, string, string][] {
  return checklist.items
    .filter((item) => item.check)
    .map((item) => {
      const spec = item.check?.spec;
      return [item.line, spec?.kind ?? '', spec && 'url' in spec ? spec.url : ''];
    });
}

describe('checks detected in the seeds', () => {
  itWithSeeds('seed 000: the backticked GET …/health items are HTTP checks on ${APP_HOST}', () => {
    const checklist = seed('000_9a2bf36146cdfb09.txt');
    const health = at(checklist, 10);
    expect(health.text).toBe('Health endpoint responding: `GET https://your-app.railway.app/health`');
    expect(health.kind).toBe('check');
    expect(health.check).toEqual({
      spec: { kind: 'http', method: 'GET', url: 'https://${APP_HOST}/health' },
      source: 'detected',
      name: null,
      detectedFrom: 'GET https://your-app.railway.app/health',
      variables: ['APP_HOST'],
    });
    expect(at(checklist, 11).check?.spec).toEqual({
      kind: 'http',
      method: 'GET',
      url: 'https://${APP_HOST}/health/redis',
    });
    expect(detected(checklist)).toEqual([
      [10, 'http', 'https://${APP_HOST}/health'],
      [11, 'http', 'https://${APP_HOST}/health/redis'],
    ]);
  });

  itWithSeeds(
    'seed 000: an undeclared ${APP_HOST} is a warning with a hint, once, at the first item needing it',
    () => {
      const source = seed('000_9a2bf36146cdfb09.txt').source;
      const { checklist, problems } = readChecklist(source, { name: 's', file: 's.md' });
      expect(checklist).not.toBeNull();
      expect(problems).toEqual([
        {
          line: 10,
          severity: 'warning',
          message: 'item 1.3 checks a target that needs ${APP_HOST}, which the front matter does not set',
          hint: "give it a value under the checklist's variables:, or set SHIPCHECK_VAR_APP_HOST in Shipcheck's environment",
        },
      ]);
    },
  );

  itWithSeeds(
    'seed 002: `curl -s …/health | jq .status` in the block under "returns 200" checks status 200 and .status',
    () => {
      const checklist = seed('002_12b12a7f77bbfa89.txt');
      const item = at(checklist, 85);
      expect(item.text).toBe('Verify health check endpoint returns 200:');
      expect(item.kind).toBe('check');
      expect(item.check).toEqual({
        spec: {
          kind: 'http',
          method: 'GET',
          url: 'https://api.ywmessaging.com/health',
          expectStatus: 200,
          jsonPath: 'status',
          equals: undefined,
        },
        source: 'detected',
        name: null,
        detectedFrom: "curl -s https://api.ywmessaging.com/health | jq '.status'",
        variables: [],
      });
    },
  );

  itWithSeeds('seed 002: the detailed health check has no status or JSON path to compare', () => {
    const spec = at(seed('002_12b12a7f77bbfa89.txt'), 89).check?.spec;
    expect(spec).toMatchObject({
      kind: 'http',
      method: 'GET',
      url: 'https://api.ywmessaging.com/health/detailed',
    });
    expect(spec && 'expectStatus' in spec ? spec.expectStatus : 'missing').toBeUndefined();
    expect(spec && 'jsonPath' in spec ? spec.jsonPath : 'missing').toBeUndefined();
  });

  itWithSeeds(
    'seed 002: only the two health items are checks; log greps and the command reference are not',
    () => {
      const checklist = seed('002_12b12a7f77bbfa89.txt');
      expect(at(checklist, 146)).toMatchObject({ kind: 'task', text: 'Check application logs for errors:' });
      expect(detected(checklist)).toEqual([
        [85, 'http', 'https://api.ywmessaging.com/health'],
        [89, 'http', 'https://api.ywmessaging.com/health/detailed'],
      ]);
    },
  );

  itWithSeeds('seed 004: the `/health` endpoint item checks ${APP_URL}/health for 200', () => {
    const item = at(seed('004_d4a68ed5b284ad4b.txt'), 287);
    expect(item.text).toBe('`/health` endpoint responds with 200 OK');
    expect(item.check).toMatchObject({
      spec: { kind: 'http', method: 'GET', url: '${APP_URL}/health', expectStatus: 200 },
      source: 'detected',
      detectedFrom: '/health',
      variables: ['APP_URL'],
    });
  });

  itWithSeeds('seed 004: the `curl -I` block above "Dashboard accessible" makes it a HEAD check', () => {
    const checklist = seed('004_d4a68ed5b284ad4b.txt');
    expect(at(checklist, 299).check).toMatchObject({
      spec: { kind: 'http', method: 'HEAD', url: 'https://discord-trade-exec-production.up.railway.app' },
      detectedFrom: 'curl -I https://discord-trade-exec-production.up.railway.app',
      variables: [],
    });
    // Only the first box under the block: the next one stays a task.
    expect(at(checklist, 300)).toMatchObject({ kind: 'task', text: 'Static assets load correctly' });
    expect(detected(checklist)).toEqual([
      [287, 'http', '${APP_URL}/health'],
      [299, 'http', 'https://discord-trade-exec-production.up.railway.app'],
    ]);
  });

  itWithSeeds('seeds 001 and 003 name no automatable command next to an item', () => {
    expect(detected(seed('001_ace487689436cbad.txt'))).toEqual([]);
    expect(detected(seed('003_8b026e154c1aa401.txt'))).toEqual([]);
  });
});

describe('detectCheck on one command', () => {
  it('redis-cli -u $REDIS_URL ping → Redis PING on ${REDIS_URL}', () => {
    expect(detectCheck('Redis answers: `redis-cli -u $REDIS_URL ping`', [])).toEqual({
      spec: { kind: 'redis', url: '${REDIS_URL}', command: 'PING', field: undefined },
      source: 'detected',
      name: null,
      detectedFrom: 'redis-cli -u $REDIS_URL ping',
      variables: ['REDIS_URL'],
    });
  });

  it('redis-cli INFO memory → Redis INFO of the memory section on the default ${REDIS_URL}', () => {
    expect(
      detectCheck('Redis memory normal', ['redis-cli INFO memory | grep used_memory_human'])?.spec,
    ).toEqual({
      kind: 'redis',
      url: '${REDIS_URL}',
      command: 'INFO',
      field: 'memory',
    });
    expect(detectCheck('Redis up', ['redis-cli PING'])?.spec).toMatchObject({ command: 'PING' });
  });

  it('skips comments and the `railway run` wrapper in a code block', () => {
    const check = detectCheck('Redis up', [
      '# Check Redis connection\nrailway run redis-cli -u $REDIS_URL ping\n',
    ]);
    expect(check?.spec).toMatchObject({ kind: 'redis', url: '${REDIS_URL}', command: 'PING' });
    expect(check?.detectedFrom).toBe('redis-cli -u $REDIS_URL ping');
  });

  it('wscat -c wss://your-app.railway.app → WebSocket on wss://${APP_HOST}', () => {
    expect(detectCheck('WebSocket accepts connections: `wscat -c wss://your-app.railway.app`', [])).toEqual({
      spec: { kind: 'websocket', url: 'wss://${APP_HOST}' },
      source: 'detected',
      name: null,
      detectedFrom: 'wscat -c wss://your-app.railway.app',
      variables: ['APP_HOST'],
    });
  });

  it('psql … -c "SELECT count(*) …" → a Postgres query on ${DATABASE_URL}', () => {
    const command =
      'psql -h primary -U postgres -d ywmessaging -c "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid();"';
    expect(detectCheck('Connection count normal', [command])).toEqual({
      spec: {
        kind: 'postgres',
        url: '${DATABASE_URL}',
        query: 'SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid();',
      },
      source: 'detected',
      name: null,
      detectedFrom: command,
      variables: ['DATABASE_URL'],
    });
  });

  it('psql with an explicit $DATABASE_URL and a single-quoted query keeps both', () => {
    expect(detectCheck('Reads work', ["psql $PRIMARY_URL -c 'select 1'"])?.spec).toEqual({
      kind: 'postgres',
      url: '${PRIMARY_URL}',
      query: 'select 1',
    });
  });

  it('a psql that writes is an action for a person, never a check', () => {
    expect(detectCheck('Flip the flag', ['psql -c "UPDATE flags SET enabled = true"'])).toBeNull();
    expect(detectCheck('Clean up', ["psql $DATABASE_URL -c 'DELETE FROM sessions'"])).toBeNull();
    expect(detectCheck('Connect', ['psql $DATABASE_URL'])).toBeNull();
  });

  it('curl -I URL → HEAD, and --head too', () => {
    expect(detectCheck('Site up', ['curl -I https://shop.acme.io'])?.spec).toEqual({
      kind: 'http',
      method: 'HEAD',
      url: 'https://shop.acme.io',
      expectStatus: undefined,
      jsonPath: undefined,
      equals: undefined,
    });
    expect(detectCheck('Site up', ['curl --head https://shop.acme.io/'])?.spec).toMatchObject({
      method: 'HEAD',
    });
    expect(detectCheck('Site up', ['curl -s https://shop.acme.io/'])?.spec).toMatchObject({ method: 'GET' });
  });

  it('reads the expected status and a compared value from the item text', () => {
    expect(detectCheck('`GET ${APP_URL}/ready` returns 204', [])?.spec).toMatchObject({
      method: 'GET',
      url: '${APP_URL}/ready',
      expectStatus: 204,
    });
    expect(
      detectCheck('Health status is "ok": `curl -s https://api.acme.io/health | jq .status`', [])?.spec,
    ).toMatchObject({ url: 'https://api.acme.io/health', jsonPath: 'status', equals: 'ok' });
    expect(detectCheck('Responds with 200 OK', ['curl https://api.acme.io/'])?.spec).toMatchObject({
      expectStatus: 200,
    });
  });

  it('placeholder hosts become ${APP_HOST}; real hosts stay', () => {
    expect(detectCheck('`curl https://<your-domain>/health`', [])?.spec).toMatchObject({
      url: 'https://${APP_HOST}/health',
    });
    expect(detectCheck('`curl https://my-app.herokuapp.com/health`', [])?.spec).toMatchObject({
      url: 'https://${APP_HOST}/health',
    });
    expect(detectCheck('`curl https://api.acme.io/health`', [])?.spec).toMatchObject({
      url: 'https://api.acme.io/health',
    });
  });

  it('a command aimed at this machine is a step to run on the server, not a check from Shipcheck', () => {
    for (const command of [
      '`curl http://localhost:3000/health`',
      '`curl -I http://127.0.0.1/health`',
      '`curl http://[::1]:8080/ready`',
      '`wscat -c ws://localhost:8080/socket`',
      '`redis-cli -h localhost ping`',
      '`redis-cli -u redis://127.0.0.1:6379 ping`',
      '`psql postgres://localhost/app -c "select 1"`',
      '`nslookup localhost.`',
    ]) {
      expect(detectCheck(command, []), command).toBeNull();
    }
  });

  it('a bare path is a GET check only when it is a probe and the step names no other method', () => {
    expect(detectCheck('Health endpoint `/health` returns 200', [])?.spec).toMatchObject({
      kind: 'http',
      method: 'GET',
      url: '${APP_URL}/health',
      expectStatus: 200,
    });
    expect(detectCheck('Readiness endpoint `/api/v1/readyz` responds', [])?.spec).toMatchObject({
      url: '${APP_URL}/api/v1/readyz',
    });
    expect(detectCheck('POST `/api/health` endpoint accepts a ping', [])).toBeNull();
    expect(detectCheck('The `/api/orders` endpoint returns 201 for a new order', [])).toBeNull();
  });

  it('nslookup and dig are DNS checks of the name they look up', () => {
    expect(detectCheck('DNS resolves: `nslookup api.acme.io`', [])?.spec).toEqual({
      kind: 'dns',
      name: 'api.acme.io',
    });
    expect(detectCheck('Records updated', ['dig +short www.acme.io'])?.spec).toEqual({
      kind: 'dns',
      name: 'www.acme.io',
    });
    expect(detectCheck('`dig ${APP_HOST}`', [])?.spec).toEqual({ kind: 'dns', name: '${APP_HOST}' });
    expect(detectCheck('`nslookup`', [])).toBeNull();
  });

  it('finds nothing in commands that are not checks or in prose outside backticks', () => {
    expect(detectCheck('Run the suite: `npm run test:coverage`', [])).toBeNull();
    expect(detectCheck('GET https://api.acme.io/health responds', [])).toBeNull();
    expect(detectCheck('Tail the log', ['tail -100 /var/log/application.log | grep ERROR'])).toBeNull();
    expect(detectCheck('Roll back', ['railway rollback'])).toBeNull();
    expect(detectCheck('curl without a URL', ['curl -s'])).toBeNull();
  });

  it('takes the first command that is a check', () => {
    expect(
      detectCheck('Both up', ['npm run build\ncurl -I https://a.acme.io\nredis-cli PING'])?.spec,
    ).toMatchObject({ kind: 'http', method: 'HEAD' });
  });
});

describe('normalizeTarget and variablesIn', () => {
  it('turns shell variables into ${NAME} and strips quotes', () => {
    expect(normalizeTarget('$REDIS_URL')).toBe('${REDIS_URL}');
    expect(normalizeTarget('${REDIS_URL}')).toBe('${REDIS_URL}');
    expect(normalizeTarget('"https://api.acme.io"')).toBe('https://api.acme.io');
    expect(normalizeTarget('https://your-app.railway.app/x')).toBe('https://${APP_HOST}/x');
  });

  it('lists each variable a spec needs once', () => {
    expect(
      variablesIn({ kind: 'http', method: 'GET', url: 'https://${APP_HOST}:${PORT}/x?y=${APP_HOST}' }),
    ).toEqual(['APP_HOST', 'PORT']);
    expect(variablesIn({ kind: 'tls', host: 'acme.io', port: 443, minDays: 30 })).toEqual([]);
  });
});

describe('detection through the parser', () => {
  const SOURCE = `# Release

## 1. Verify

- [ ] API is healthy
  \`\`\`bash
  curl -s https://api.acme.io/health | jq '.status'
  \`\`\`
- [ ] Cache answers: \`redis-cli -u $REDIS_URL ping\`
- [ ] Socket opens: \`wscat -c wss://your-app.railway.app\`
- [ ] Tell the team

\`\`\`bash
curl -I https://www.acme.io
\`\`\`
- [ ] Home page loads
- [ ] Assets load
`;

  it('a fence inside an item, inline code, and a block right above a list each make a check', () => {
    const checklist = checklistFrom(SOURCE);
    expect(checklist.items.map((item) => [item.ref, item.kind, item.check?.spec.kind ?? null])).toEqual([
      ['1.1', 'check', 'http'],
      ['1.2', 'check', 'redis'],
      ['1.3', 'check', 'websocket'],
      ['1.4', 'task', null],
      ['1.5', 'check', 'http'],
      ['1.6', 'task', null],
    ]);
    expect(byRef(checklist, '1.1').check?.spec).toMatchObject({
      jsonPath: 'status',
      url: 'https://api.acme.io/health',
    });
    expect(byRef(checklist, '1.5').check?.spec).toMatchObject({ method: 'HEAD', url: 'https://www.acme.io' });
  });

  it('an input, decision or sign-off is never turned into a detected check', () => {
    const checklist = checklistFrom(
      '# R\n\n## 1. Go\n\n- [ ] Latency via `curl https://api.acme.io/health`: ___ ms\n- [ ] Health `GET https://api.acme.io/health` fine? ☐ Yes ☐ No\n',
    );
    expect(checklist.items.map((item) => item.kind)).toEqual(['input', 'decision']);
    expect(checklist.items.every((item) => item.check === undefined)).toBe(true);
  });
});

describe('checks declared in the front matter', () => {
  const BODY = `# Web

## 1. Deploy

- [ ] Deploy started
- [ ] Health endpoint answers
- [ ] Database reachable
- [ ] Note the version: \`GET https://your-app.railway.app/version\`
`;

  it('attach to an item by ref or key, make it a check and list the variables it needs', () => {
    const plain = checklistFrom(BODY);
    const databaseKey = byRef(plain, '1.3').key;
    const checklist = parseChecklist(
      `---
variables:
  APP_URL: https://web.acme.io
checks:
  health:
    item: "1.2"
    kind: http
    url: \${APP_URL}/health
    expect_status: 200
    max_latency_ms: 500
  database:
    item: ${databaseKey}
    kind: postgres
    query: SELECT 1
    target: "= 1"
---
${BODY}`,
      { name: 'web', file: 'web.md' },
    );
    expect(byRef(checklist, '1.2')).toMatchObject({ kind: 'check', line: 22 });
    expect(byRef(checklist, '1.2').check).toEqual({
      spec: {
        kind: 'http',
        method: 'GET',
        url: '${APP_URL}/health',
        expectStatus: 200,
        jsonPath: undefined,
        equals: undefined,
        bodyContains: undefined,
        maxLatencyMs: 500,
        followRedirects: undefined,
      },
      source: 'front-matter',
      name: 'health',
      detectedFrom: null,
      variables: ['APP_URL'],
    });
    expect(byRef(checklist, '1.3').check).toMatchObject({
      spec: {
        kind: 'postgres',
        url: '${DATABASE_URL}',
        query: 'SELECT 1',
        target: { op: '=', value: 1, unit: null, text: '= 1' },
      },
      source: 'front-matter',
      name: 'database',
      variables: ['DATABASE_URL'],
    });
    expect(byRef(checklist, '1.1').kind).toBe('task');
  });

  it('a declared check replaces the detected one on the same item', () => {
    const checklist = parseChecklist(
      `---\nchecks:\n  version:\n    item: "1.4"\n    kind: http\n    url: https://web.acme.io/version\n---\n${BODY}`,
      { name: 'web', file: 'web.md' },
    );
    expect(byRef(checklist, '1.4').check).toMatchObject({
      source: 'front-matter',
      name: 'version',
      spec: { url: 'https://web.acme.io/version' },
      variables: [],
    });
  });

  it('an unquoted ref like 1.10 is read as written, not as the number 1.1', () => {
    const items = Array.from({ length: 10 }, (_, index) => `- [ ] Step ${index + 1}`).join('\n');
    const checklist = parseChecklist(
      `---\nchecks:\n  last:\n    item: 1.10\n    kind: redis\n---\n# T\n\n## 1. Steps\n\n${items}\n`,
      { name: 't', file: 't.md' },
    );
    expect(byRef(checklist, '1.10')).toMatchObject({ text: 'Step 10', kind: 'check' });
    expect(byRef(checklist, '1.1').kind).toBe('task');
  });

  it('declared variables silence the warning about them; undeclared ones are warned once', () => {
    const withVariable = readChecklist(`---\nvariables:\n  APP_HOST: web.acme.io\n---\n${BODY}`, {
      name: 'web',
      file: 'web.md',
    });
    expect(withVariable.problems).toEqual([]);
    expect(withVariable.checklist?.variables).toEqual({ APP_HOST: 'web.acme.io' });
    const without = readChecklist(BODY, { name: 'web', file: 'web.md' });
    expect(without.problems.map((problem) => [problem.line, problem.severity])).toEqual([[8, 'warning']]);
  });

  describe('bad definitions are errors at the line that is wrong', () => {
    function problemsOf(frontMatter: string) {
      const result = readChecklist(`---\n${frontMatter}---\n${BODY}`, { name: 'web', file: 'web.md' });
      expect(result.checklist).toBeNull();
      return result.problems.filter((problem) => problem.severity === 'error');
    }

    it('an unknown kind points at the kind line', () => {
      const problems = problemsOf('checks:\n  mail:\n    item: "1.2"\n    kind: smtp\n    url: x\n');
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({ line: 5, severity: 'error' });
      expect(problems[0]?.message).toMatch(/^front matter checks\.mail\.kind: /);
      expect(problems[0]?.message).toContain("'http' | 'redis' | 'websocket' | 'postgres'");
    });

    it('a postgres query that writes points at the query line', () => {
      const problems = problemsOf(
        'title: Web\nchecks:\n  db:\n    item: "1.3"\n    kind: postgres\n    query: DELETE FROM users\n',
      );
      expect(problems).toEqual([
        {
          line: 7,
          severity: 'error',
          message:
            'front matter checks.db.query: a check may only read: start the query with SELECT, SHOW or WITH',
        },
      ]);
    });

    it('an item ref that does not exist points at the item line', () => {
      const problems = problemsOf(
        'checks:\n  db:\n    kind: postgres\n    item: "7.7"\n    query: select 1\n',
      );
      expect(problems).toEqual([
        {
          line: 5,
          severity: 'error',
          message: 'check “db” is attached to item 7.7, which does not exist',
        },
      ]);
    });

    it('a missing url and a status out of range each point at their check', () => {
      const problems = problemsOf(
        'checks:\n  one:\n    item: "1.1"\n    kind: websocket\n  two:\n    item: "1.2"\n    kind: http\n    url: https://a.io\n    expect_status: 999\n',
      );
      expect(problems.map((problem) => [problem.line, problem.message.split(':')[0]])).toEqual([
        [3, 'front matter checks.one.url'],
        [10, 'front matter checks.two.expect_status'],
      ]);
    });

    it('a bad check name points at the name', () => {
      const problems = problemsOf('checks:\n  "bad name!":\n    item: "1.1"\n    kind: redis\n');
      expect(problems).toHaveLength(1);
      expect(problems[0]?.line).toBe(3);
    });
  });
});
