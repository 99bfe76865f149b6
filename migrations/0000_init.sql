CREATE TABLE "run_commands" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"idempotency_key" text,
	"actor" text NOT NULL,
	"command" jsonb NOT NULL,
	"accepted" boolean NOT NULL,
	"rejection_code" text,
	"rejection_message" text,
	"revision" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "run_events" (
	"run_id" text NOT NULL,
	"seq" integer NOT NULL,
	"command_id" bigint NOT NULL,
	"type" text NOT NULL,
	"actor" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "run_events_run_id_seq_pk" PRIMARY KEY("run_id","seq")
);
--> statement-breakpoint
CREATE TABLE "run_items" (
	"run_id" text NOT NULL,
	"key" text NOT NULL,
	"status" text NOT NULL,
	"reason" text,
	"actor" text,
	"updated_at" timestamp with time zone,
	CONSTRAINT "run_items_run_id_key_pk" PRIMARY KEY("run_id","key")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" text PRIMARY KEY NOT NULL,
	"checklist_name" text NOT NULL,
	"checklist_hash" text NOT NULL,
	"checklist" jsonb NOT NULL,
	"version" text,
	"environment" text,
	"platform" text NOT NULL,
	"channel_id" text NOT NULL,
	"status" text NOT NULL,
	"revision" integer NOT NULL,
	"started_by" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"ended_by" text,
	"end_reason" text,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "run_commands" ADD CONSTRAINT "run_commands_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_events" ADD CONSTRAINT "run_events_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_events" ADD CONSTRAINT "run_events_command_id_run_commands_id_fk" FOREIGN KEY ("command_id") REFERENCES "public"."run_commands"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_items" ADD CONSTRAINT "run_items_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "run_commands_idempotency_key" ON "run_commands" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "run_commands_run" ON "run_commands" USING btree ("run_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "runs_one_active_per_channel" ON "runs" USING btree ("platform","channel_id") WHERE "runs"."status" = 'active';--> statement-breakpoint
CREATE INDEX "runs_checklist_started" ON "runs" USING btree ("checklist_name","started_at");