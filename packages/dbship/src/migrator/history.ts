import type { EngineSettings } from '../settings.js';
import { matchesName } from './folder/layout.js';
import { withReadSession } from './runtime/session.js';
import { readHistory, type HistoryEntry } from './runtime/tracking.js';

export interface HistoryOptions {
  /** Only the entries of this migration (full name or without its `NNNN_` prefix). */
  readonly name?: string | undefined;
}

/**
 * The audit log of this database (`dbship.history`), oldest first: every apply, revert, baseline
 * and repair with its checksum, time, host / image, duration, lock wait and reason. Changes
 * nothing and takes no lock; a database dbship never touched has an empty history.
 */
export async function history(config: EngineSettings, options: HistoryOptions = {}): Promise<HistoryEntry[]> {
  const entries = await withReadSession(config, readHistory);
  const name = options.name;
  if (name === undefined) return entries;
  return entries.filter((e) => matchesName(e.name, name));
}
