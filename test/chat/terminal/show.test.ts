import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLibrary } from '../../../src/checklist/library.js';
import { RunService } from '../../../src/runs/service.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { typeInTerminal } from '../../support/terminal.js';

const API = `---
title: API deploy
checks:
  health:
    item: "2.1"
    kind: http
    url: https://deploy:hunter22@\${APP_HOST}/health
variables:
  APP_HOST: api.example.com
---
# API deploy
## 1. Before
### Database
Run migrations on a replica first.

| step | who |
|---|---|
| migrate | DBA |

- [ ] Migrations applied
  - \`npm run migrate -- --dry-run\` shows no destructive change
  - Take a snapshot first
- [ ] Tell support
## 2. After
- [ ] Health endpoint answers
`;

let database: TestDatabase;
let runs: RunService;
const library = buildLibrary([{ path: 'checklists/api.md', source: API }]);

beforeAll(async () => {
  database = await createTestDatabase();
  runs = new RunService(database.handle.db);
});
afterAll(async () => {
  await database.drop();
});

describe('/deploy show', () => {
  it('tells what the checklist says about an item: the bullets under it and its section’s notes', async () => {
    const printed = await typeInTerminal({ runs, library }, ['start api v1', 'check 1.1', 'show 1.1']);
    const shown = printed.slice(printed.lastIndexOf('1.1 Migrations applied'));
    expect(shown).toContain('in 1. Before › Database');
    expect(shown).toContain('required task · done by @ana');
    expect(shown).toContain('• `npm run migrate -- --dry-run` shows no destructive change');
    expect(shown).toContain('• Take a snapshot first');
    expect(shown).toContain('section notes:');
    expect(shown).toContain('Run migrations on a replica first.');
    expect(shown).toContain('| migrate | DBA |');
    expect(shown).toContain('(api.md line 20)');
  });

  it('names the check as declared, variables unresolved and passwords masked', async () => {
    const printed = await typeInTerminal({ runs, library }, ['show 2.1'], 'bo');
    expect(printed).toContain('automated check: http https://deploy:***@${APP_HOST}/health');
    expect(printed).not.toContain('hunter22');
  });

  it('says which items exist when the reference is wrong, and how to use it when it is missing', async () => {
    const printed = await typeInTerminal({ runs, library }, ['show 9.9', 'show'], 'bo');
    expect(printed).toContain('there is no item 9.9');
    expect(printed).toContain('name one item, e.g. show 2.3.');
    expect(printed).toContain('Usage: /deploy show <ref>');
  });
});
