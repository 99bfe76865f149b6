ALTER TABLE "escalations" ADD COLUMN "raises" integer DEFAULT 0 NOT NULL;
