ALTER TABLE "timers" ADD COLUMN "claimed_by" text;--> statement-breakpoint
CREATE INDEX "timers_fired" ON "timers" USING btree ("fired_at") WHERE "timers"."fired_at" is not null;