import type { MigrationFile } from '../folder/files.js';
import { isUndefinedRelation } from '../../db/sqlstate.js';
import type { Queryable } from './tracking.js';
import { trackingOf } from './tracking-names.js';

/** One running instance, as its last heartbeat recorded it. */
export interface SeenRelease {
  readonly instance: string;
  /** The newest migration of its build (null: a build without migrations). */
  readonly version: string | null;
  readonly image: string | null;
  readonly lastSeen: Date;
}

/** The instances whose heartbeat is younger than `windowMs`, newest first. */
export async function recentReleases(client: Queryable, windowMs: number): Promise<SeenRelease[]> {
  try {
    const { rows } = await client.query<{ instance: string; version: string | null; image: string | null; last_seen: Date }>(
      `SELECT instance, version, image, last_seen FROM ${trackingOf(client).releases}
        WHERE last_seen > now() - make_interval(secs => $1::double precision / 1000)
        ORDER BY last_seen DESC, instance`,
      [windowMs],
    );
    return rows.map((r) => ({ instance: r.instance, version: r.version, image: r.image, lastSeen: r.last_seen }));
  } catch (err) {
    if (isUndefinedRelation(err)) return [];
    throw err;
  }
}

/**
 * The releases in `seen` that predate `expand`: their build's newest migration is known to this
 * build and comes before the expand step (or they have none), so they still read and write the
 * old shape. A version this build does not know is a newer release: it knows the expand.
 */
export function olderThan(seen: readonly SeenRelease[], files: readonly MigrationFile[], expand: MigrationFile): SeenRelease[] {
  const index = new Map(files.map((f) => [f.name, f.index]));
  return seen.filter((r) => {
    if (r.version === null) return true;
    const at = index.get(r.version);
    return at !== undefined && at < expand.index;
  });
}

/** `pod-a/1 (0001_add_user_bio, seen 12s ago)` for a message. */
export function describeRelease(r: SeenRelease, now = Date.now()): string {
  const ago = Math.max(0, Math.round((now - r.lastSeen.getTime()) / 1000));
  return `${r.instance} (${r.version ?? 'no migrations'}${r.image ? `, image ${r.image}` : ''}, seen ${ago}s ago)`;
}
