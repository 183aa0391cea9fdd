import { bigint, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * The models. A change here is shipped as a migration: run
 * `npm run db -- generate --name <what_changed>` and commit both together.
 */
export const users = pgTable('users', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  email: text('email').notNull().unique(),
  name: text('name'),
  bio: text('bio'),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
