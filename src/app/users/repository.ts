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
   * `GET /users/:id`, the hottest query: its SQL is drizzle's, built once, and it runs on the
   * pool directly with the row mapped here (drizzle's own execution cloned the query config and
   * mapped each field through the column objects: about a tenth of the request's CPU). Unnamed on
   * the server, as every other query: a named statement would also skip the server's parse and
   * plan, but lives on one server connection, which a transaction-mode pooler in front of the app
   * does not keep (docs/deploy.md: the app may use a pooler in any mode).
   */
  private readonly byIdSql: string;

  constructor(private readonly pool: pg.Pool) {
    this.db = drizzle({ client: pool });
    this.byIdSql = this.db.select().from(users).where(eq(users.id, sql.placeholder('id'))).toSQL().sql;
  }

  async create(fields: UserFields & { email: string }): Promise<User> {
    const rows = await emailUnique(this.db.insert(users).values(fields).returning());
    return rows[0]!;
  }

  async get(id: number): Promise<User | null> {
    const { rows } = await this.pool.query<UserRow>(this.byIdSql, [id]);
    const row = rows[0];
    return row ? userOf(row) : null;
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

/**
 * The database column of each `User` field, read from the model: a release whose model maps a
 * field to another column (`name: text('full_name')`, an online rename) reads that column.
 */
const COLUMN = {
  id: users.id.name,
  email: users.email.name,
  name: users.name.name,
  bio: users.bio.name,
  createdAt: users.createdAt.name,
  updatedAt: users.updatedAt.name,
} as const satisfies Record<keyof User, string>;

/** A `users` row as node-postgres returns it, keyed by column (bigint as text, timestamptz as Date). */
type UserRow = Record<string, unknown>;

/** The row as drizzle maps it (`bigint({ mode: 'number' })`, timestamps as Date). */
function userOf(row: UserRow): User {
  return {
    id: Number(row[COLUMN.id]),
    email: row[COLUMN.email] as string,
    name: row[COLUMN.name] as string | null,
    bio: row[COLUMN.bio] as string | null,
    createdAt: row[COLUMN.createdAt] as Date,
    updatedAt: row[COLUMN.updatedAt] as Date,
  };
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
