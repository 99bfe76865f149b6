ALTER TABLE "run_items" ADD COLUMN "value" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "assignments" jsonb DEFAULT '{}'::jsonb NOT NULL;