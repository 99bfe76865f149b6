CREATE TABLE "chat_messages" (
	"run_id" text NOT NULL,
	"platform" text NOT NULL,
	"part_id" text NOT NULL,
	"page" integer NOT NULL,
	"channel_id" text NOT NULL,
	"message_id" text NOT NULL,
	"thread_id" text,
	"rendered_hash" text NOT NULL,
	"revision" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "chat_messages_run_id_platform_part_id_page_pk" PRIMARY KEY("run_id","platform","part_id","page")
);
--> statement-breakpoint
ALTER TABLE "chat_messages" ADD CONSTRAINT "chat_messages_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chat_messages_message" ON "chat_messages" USING btree ("platform","channel_id","message_id");