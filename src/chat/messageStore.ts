import { and, eq, isNull, lte } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { chatMessages } from '../db/schema.js';

/** The drizzle queries behind message bookkeeping: which platform message shows which part of a run. */

export interface MessagePart {
  runId: string;
  platform: string;
  partId: string;
  page: number;
}

export interface StoredMessage extends MessagePart {
  channelId: string;
  messageId: string;
  threadId: string | null;
  renderedHash: string;
  revision: number;
}

export async function selectRunMessages(
  db: Database,
  runId: string,
  platform: string,
): Promise<StoredMessage[]> {
  return db
    .select({
      runId: chatMessages.runId,
      platform: chatMessages.platform,
      partId: chatMessages.partId,
      page: chatMessages.page,
      channelId: chatMessages.channelId,
      messageId: chatMessages.messageId,
      threadId: chatMessages.threadId,
      renderedHash: chatMessages.renderedHash,
      revision: chatMessages.revision,
    })
    .from(chatMessages)
    .where(and(eq(chatMessages.runId, runId), eq(chatMessages.platform, platform)));
}

/**
 * Records a message just posted. False when the part already had one (another process posted it first):
 * the caller keeps the stored one, so every part has exactly one message that gets updated.
 */
export async function insertMessage(db: Database, message: StoredMessage, at: Date): Promise<boolean> {
  const rows = await db
    .insert(chatMessages)
    .values({ ...message, updatedAt: at })
    .onConflictDoNothing()
    .returning({ runId: chatMessages.runId });
  return rows.length > 0;
}

/**
 * What a message shows now, as far as any process recorded it: read right before an edit when other
 * processes edit it too, so an older rendering never replaces a newer one.
 */
export async function selectShown(
  db: Database,
  part: MessagePart,
): Promise<{ renderedHash: string; revision: number } | null> {
  const rows = await db
    .select({ renderedHash: chatMessages.renderedHash, revision: chatMessages.revision })
    .from(chatMessages)
    .where(
      and(
        eq(chatMessages.runId, part.runId),
        eq(chatMessages.platform, part.platform),
        eq(chatMessages.partId, part.partId),
        eq(chatMessages.page, part.page),
      ),
    )
    .limit(1);
  return rows[0] ?? null;
}

/** Notes what a message shows after an update; a rendering older than the stored one is ignored. */
export async function recordRendered(
  db: Database,
  part: MessagePart,
  renderedHash: string,
  revision: number,
  at: Date,
): Promise<void> {
  await db
    .update(chatMessages)
    .set({ renderedHash, revision, updatedAt: at })
    .where(
      and(
        eq(chatMessages.runId, part.runId),
        eq(chatMessages.platform, part.platform),
        eq(chatMessages.partId, part.partId),
        eq(chatMessages.page, part.page),
        lte(chatMessages.revision, revision),
      ),
    );
}

/**
 * The channel of the run message a thread was started on (a Discord thread started on a message has
 * that message's id), or null when the id is not one of Shipcheck's top-level run messages.
 */
export async function selectThreadParent(
  db: Database,
  platform: string,
  threadId: string,
): Promise<string | null> {
  const rows = await db
    .select({ channelId: chatMessages.channelId })
    .from(chatMessages)
    .where(
      and(
        eq(chatMessages.platform, platform),
        eq(chatMessages.messageId, threadId),
        isNull(chatMessages.threadId),
      ),
    )
    .limit(1);
  return rows[0]?.channelId ?? null;
}

/** The run a platform message belongs to, for interactions that name only the message. */
export async function selectRunIdByMessage(
  db: Database,
  platform: string,
  channelId: string,
  messageId: string,
): Promise<string | null> {
  const rows = await db
    .select({ runId: chatMessages.runId })
    .from(chatMessages)
    .where(
      and(
        eq(chatMessages.platform, platform),
        eq(chatMessages.channelId, channelId),
        eq(chatMessages.messageId, messageId),
      ),
    )
    .limit(1);
  return rows[0]?.runId ?? null;
}
