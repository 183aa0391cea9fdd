import { asc, eq, gt, sql } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { users, type User } from '../../db/schema.js';
import { classifyDbError } from '../db-errors.js';
import { ApiError } from '../http-errors.js';

/** Fields a client may set on a user (email already normalised). */
export interface UserFields {
  email?: string;
  name?: string | null;
  bio?: string | null;
}

/** One page of users in ascending id order. */
export interface UserPage {
  readonly items: User[];
  /** More rows exist after the last item. */
  readonly hasMore: boolean;
}

/**
 * Data access for `users` (drizzle over the app's pool). Unique-email violations become
 * `409 EMAIL_TAKEN`; every other database error propagates for the error handler to classify.
 */
export class UsersRepository {
  private readonly db: NodePgDatabase;
  /**
   * `GET /users/:id`, the hottest query, built once instead of per request. Unnamed on the server
   * (as every other query): a named statement would also skip the server's parse and plan, but
   * lives on one server connection, which a transaction-mode pooler in front of the app does not
   * keep (docs/deploy.md: the app may use a pooler in any mode).
   */
  private readonly byId;

  constructor(pool: pg.Pool) {
    this.db = drizzle({ client: pool });
    this.byId = this.db.select().from(users).where(eq(users.id, sql.placeholder('id'))).prepare('');
  }

  async create(fields: UserFields & { email: string }): Promise<User> {
    const rows = await emailUnique(this.db.insert(users).values(fields).returning());
    return rows[0]!;
  }

  async get(id: number): Promise<User | null> {
    const rows = await this.byId.execute({ id });
    return rows[0] ?? null;
  }

  /** Up to `limit` users with an id greater than `afterId` (from the start when null). */
  async list(limit: number, afterId: number | null): Promise<UserPage> {
    const rows = await this.db
      .select()
      .from(users)
      .where(afterId === null ? undefined : gt(users.id, afterId))
      .orderBy(asc(users.id))
      .limit(limit + 1);
    return { items: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  /** Applies the given fields and stamps `updated_at`; null when the user does not exist. */
  async update(id: number, fields: UserFields): Promise<User | null> {
    const rows = await emailUnique(
      this.db.update(users).set({ ...fields, updatedAt: sql`now()` }).where(eq(users.id, id)).returning(),
    );
    return rows[0] ?? null;
  }

  /** True when a row was deleted. */
  async delete(id: number): Promise<boolean> {
    const rows = await this.db.delete(users).where(eq(users.id, id)).returning({ id: users.id });
    return rows.length > 0;
  }
}

async function emailUnique<T>(query: Promise<T>): Promise<T> {
  try {
    return await query;
  } catch (err) {
    // `email` is the only unique column a client can set (the id is generated always).
    if (classifyDbError(err)?.kind === 'unique-violation') {
      throw new ApiError('EMAIL_TAKEN', 'a user with this email already exists; use another address, or update that user instead', { cause: err });
    }
    throw err;
  }
}
