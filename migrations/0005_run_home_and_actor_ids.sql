-- A run belongs to one workspace/guild and channel: writes come only from there, reads from outside
-- only within the same workspace and never of a private channel's run. Who acted is kept by platform id.
ALTER TABLE "run_commands" ADD COLUMN "actor_id" text;--> statement-breakpoint
ALTER TABLE "run_events" ADD COLUMN "actor_id" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "workspace_id" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "channel_private" boolean;