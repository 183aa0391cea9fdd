/**
 * The header directives of an online (expand/contract) change. One model change that would break
 * the running release (a rename) becomes three reviewed migrations:
 *
 *   -- dbship:expand <what>                                  adds the new shape, keeps both in sync
 *   -- dbship:backfill table=<schema>.<table> key=<column> batch=<rows> [pause=<ms>|auto]
 *                                                            one UPDATE, run in key-ordered batches
 *   -- dbship:contract expand=<NNNN_tag of the expand>       removes the old shape, once no release
 *                                                            that predates the expand is alive
 */
export const EXPAND = 'dbship:expand';
export const BACKFILL = 'dbship:backfill';
export const CONTRACT = 'dbship:contract';

/**
 * The throttle `generate` writes into a backfill: 200 rows a batch, and after each batch a rest as
 * long as it took. Measured with `npm run bench -- online` (docs/performance.md): on a 2-core
 * machine, batches of 1,000 at full speed put the app's p99 at 3.4 times its level before the
 * change (1,000,000 rows, no lock waits seen; the batch size mattered most, which points at the WAL
 * each batch's commit flushes ahead of the app's commits); batches of 200 with the automatic rest
 * kept it at 1.4 times. A reviewer may edit both in the file.
 */
export const GENERATED_THROTTLE = 'batch=200 pause=auto';

export interface ExpandPhase {
  readonly phase: 'expand';
  /** What the change does, e.g. `rename public.users.name -> full_name`. */
  readonly change: string;
}

export interface BackfillPhase {
  readonly phase: 'backfill';
  readonly schema: string;
  readonly table: string;
  /** The single-column primary key the batches are keyed by. */
  readonly key: string;
  /** Rows per batch (each batch is one transaction). */
  readonly batch: number;
  /**
   * Pause between batches (ms), the throttle that leaves room for the app's queries; `auto`:
   * after each batch, as long as that batch took, so the backfill keeps the server busy at most
   * half the time whatever the machine and the table.
   */
  readonly pauseMs: number | 'auto';
}

export interface ContractPhase {
  readonly phase: 'contract';
  /** The journal tag of the expand migration this contract closes. */
  readonly expand: string;
}

export type OnlinePhase = ExpandPhase | BackfillPhase | ContractPhase;

const IDENT = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** `key=value` words of a directive. */
function fields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const at = word.indexOf('=');
    if (at > 0) out.set(word.slice(0, at), word.slice(at + 1));
  }
  return out;
}

/**
 * The online phase a file's header directives declare, or null. Problems (a malformed directive, two
 * phases in one file) are pushed to `problems`, prefixed with the file's tag.
 */
export function onlinePhaseOf(tag: string, header: ReadonlyMap<string, string>, problems: string[]): OnlinePhase | null {
  const declared = [EXPAND, BACKFILL, CONTRACT].filter((d) => header.has(d));
  if (declared.length === 0) return null;
  if (declared.length > 1) {
    problems.push(`${tag}: declares ${declared.join(' and ')}; a migration is one phase of an online change`);
    return null;
  }
  const text = header.get(declared[0]!)!;
  if (declared[0] === EXPAND) return { phase: 'expand', change: text };
  const f = fields(text);
  if (declared[0] === CONTRACT) {
    const expand = f.get('expand');
    if (!expand) {
      problems.push(`${tag}: "-- ${CONTRACT}" needs expand=<tag of its expand migration>`);
      return null;
    }
    return { phase: 'contract', expand };
  }
  return backfillPhase(tag, f, problems);
}

function backfillPhase(tag: string, f: Map<string, string>, problems: string[]): BackfillPhase | null {
  const [schema, table, extra] = (f.get('table') ?? '').split('.');
  const key = f.get('key') ?? '';
  const batch = Number(f.get('batch') ?? '1000');
  const pause = f.get('pause') ?? '0';
  const pauseMs = pause === 'auto' ? 'auto' : Number(pause);
  const bad: string[] = [];
  if (!schema || !table || extra !== undefined || !IDENT.test(schema) || !IDENT.test(table)) bad.push('table=<schema>.<table> (plain identifiers)');
  if (!IDENT.test(key)) bad.push('key=<primary key column> (a plain identifier)');
  if (!Number.isInteger(batch) || batch < 1 || batch > 1_000_000) bad.push('batch=<rows per batch, 1..1000000>');
  if (pauseMs !== 'auto' && (!Number.isInteger(pauseMs) || pauseMs < 0 || pauseMs > 60_000)) bad.push('pause=<ms between batches, 0..60000, or auto>');
  if (bad.length > 0) {
    problems.push(`${tag}: "-- ${BACKFILL}" needs ${bad.join(', ')}`);
    return null;
  }
  return { phase: 'backfill', schema: schema!, table: table!, key, batch, pauseMs };
}
