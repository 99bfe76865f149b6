ALTER TABLE "escalations" ADD COLUMN "raises" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "rolling_back" jsonb;
