/**
 * What to say for a verb dbship does not have: the verb of a peer tool that users bring with
 * them (aerich, Prisma, drizzle-kit), or the closest of ours to a typo.
 */

/** Peers' verbs, as typed (one or two words), and ours. */
const PEER_VERBS: ReadonlyArray<{ readonly words: readonly string[]; readonly verb: string; readonly args?: string; readonly tool: string; readonly note?: string }> = [
  { words: ['migrate', 'deploy'], verb: 'deploy', tool: 'Prisma' },
  { words: ['migrate', 'status'], verb: 'status', tool: 'Prisma' },
  { words: ['migrate', 'reset'], verb: 'reset', tool: 'Prisma' },
  { words: ['migrate', 'dev'], verb: 'generate', args: '--name <what_changed>', tool: 'Prisma' },
  { words: ['migrate', 'diff'], verb: 'drift', tool: 'Prisma' },
  { words: ['migrate'], verb: 'generate', args: '--name <what_changed>', tool: 'aerich', note: 'drizzle-kit\'s "migrate" applies migrations: that is "upgrade"' },
  { words: ['init-db'], verb: 'upgrade', tool: 'aerich' },
  { words: ['init'], verb: 'upgrade', tool: 'aerich' },
  { words: ['heads'], verb: 'status', tool: 'aerich' },
  { words: ['push'], verb: 'generate', args: '--name <what_changed>', tool: 'drizzle-kit' },
];

export interface Suggestion {
  /** Our verb. */
  readonly verb: string;
  /** Arguments to show with it, e.g. `--name <what_changed>`. */
  readonly args?: string;
  /** Why it is suggested: `Prisma's "migrate deploy"`, or a typo. */
  readonly reason: string;
  /** How many of argv's words the peer verb used (1 or 2). */
  readonly consumed: number;
  /** Another tool's meaning of the same word, when it differs. */
  readonly note?: string;
}

/** The suggestion for `argv` whose first word is not a verb, or undefined when nothing is close. */
export function suggestVerb(argv: readonly string[], verbs: readonly string[]): Suggestion | undefined {
  const peer = PEER_VERBS.find((p) => p.words.every((w, i) => argv[i] === w));
  if (peer) {
    return {
      verb: peer.verb,
      reason: `${peer.tool}'s "${peer.words.join(' ')}"`,
      consumed: peer.words.length,
      ...(peer.args === undefined ? {} : { args: peer.args }),
      ...(peer.note === undefined ? {} : { note: peer.note }),
    };
  }
  const typed = argv[0] ?? '';
  const scored = verbs.map((v) => ({ v, d: distance(typed.toLowerCase(), v) })).sort((a, b) => a.d - b.d);
  const best = scored[0];
  if (!best) return undefined;
  const close = best.d <= Math.max(1, Math.floor(best.v.length / 3)) || (typed.length >= 3 && best.v.startsWith(typed.toLowerCase()));
  return close ? { verb: best.v, reason: 'closest verb', consumed: 1 } : undefined;
}

/** Levenshtein distance (insertions, deletions, substitutions; a swap counts as one). */
export function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}
