import { defineConfig } from 'drizzle-kit';

// drizzle-kit only reads the schema to generate SQL; it never connects, so no URL is needed here.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './migrations',
});
