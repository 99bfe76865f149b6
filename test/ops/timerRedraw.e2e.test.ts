import { describe, expect, it } from 'vitest';
import { USERS } from '../chat/slack/harness.js';
import { shownText } from '../fakes/slack/workspace.js';
import { eventually, useSlackProduct } from '../support/product.js';

/**
 * Changes nobody clicked: the escalation timer records a page, and the run's summary in the channel
 * shows it without waiting for the next click.
 */
describe('a run changed by a timer', () => {
  const slack = useSlackProduct();
  const { fake } = slack;

  it('is redrawn in the channel by itself', async () => {
    const { workspace } = await slack.start();
    const channel = 'C0TIMERS';
    expect((await workspace.slash(USERS.ana, channel, 'start demo v8')).status).toBe(200);
    await eventually('the run to be posted', () => fake.messages(channel)[0]);
    expect((await workspace.slash(USERS.ana, channel, 'escalate the canary is on fire')).status).toBe(200);
    // The first page is the escalation timer's doing, not the command's: it shows up on its own.
    const summary = await eventually(
      'the summary to show the page',
      () => {
        const text = shownText(fake.messages(channel)[0]);
        return /1 page sent/.test(text) ? text : undefined;
      },
      30_000,
    );
    expect(summary).toContain('the canary is on fire');
  });
});
