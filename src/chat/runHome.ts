import type { ErrorCode } from '../errors.js';
import type { RunHome } from '../runs/types.js';

/**
 * A run answers only to its own channel. It lives at platform + workspace (Slack team, Discord guild) +
 * channel: every change to it comes from there. Another channel may read it only inside the same
 * workspace, and never when the run's channel is private (or not known to be public).
 */

export type { RunHome };

/** Where a request came from. */
export interface Origin {
  platform: string;
  channelId: string;
  workspaceId?: string | null;
}

export interface HomeRefusal {
  code: ErrorCode;
  message: string;
}

const sameWorkspace = (run: RunHome, origin: Origin): boolean =>
  run.platform === origin.platform && (run.workspaceId ?? null) === (origin.workspaceId ?? null);

/** Null when `origin` may change the run; else why not, in words for the person who asked. */
export function refuseWrite(run: RunHome, origin: Origin): HomeRefusal | null {
  // A run started before workspaces were recorded is matched on its platform and channel alone.
  const workspace = run.workspaceId == null || sameWorkspace(run, origin);
  if (workspace && run.platform === origin.platform && run.channelId === origin.channelId) return null;
  return {
    code: 'wrong_channel',
    message: `run ${run.id} belongs to another channel: it can be changed only from the channel it runs in. /deploy status shows this channel's run.`,
  };
}

/** Null when `origin` may read the run (status, show, report); else why not. */
export function refuseRead(run: RunHome, origin: Origin): HomeRefusal | null {
  if (sameWorkspace(run, origin) && run.channelId === origin.channelId) return null;
  if (!sameWorkspace(run, origin))
    return {
      code: 'wrong_channel',
      message: `run ${run.id} is not in this workspace: it can be read only from its own workspace.`,
    };
  if (run.channelPrivate !== false)
    return {
      code: 'wrong_channel',
      message: `run ${run.id} is in a private channel: it can be read only from that channel.`,
    };
  return null;
}
