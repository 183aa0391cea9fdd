import type { ResultRow } from './benchmark.js';

export interface Section {
  readonly name: string;
  readonly title: string;
  readonly rows: readonly ResultRow[];
  /** Set when the benchmark could not run (the reason). */
  readonly error?: string;
}

const HEADER = ['benchmark', 'subject', 'metric', 'median', 'spread (min..max, IQR)', 'ratio', 'n', 'notes'];

function num(v: number): string {
  if (!Number.isFinite(v)) return '-';
  const abs = Math.abs(v);
  return abs >= 100 ? Math.round(v).toLocaleString('en-US') : abs >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function cells(section: Section, r: ResultRow): string[] {
  const s = r.summary;
  return [
    section.name,
    r.subject,
    r.metric,
    s ? `${num(s.median)} ${r.unit}` : (r.value ?? '-'),
    s ? `${num(s.min)}..${num(s.max)} (±${(s.relIqr * 50).toFixed(1)}%)` : '-',
    r.ratio ? `${r.ratio.value.toFixed(2)}x ${r.ratio.to}` : '',
    s ? String(s.n) : '',
    r.note ?? '',
  ];
}

function rowsOf(sections: readonly Section[]): string[][] {
  return sections.flatMap((sec) => (sec.error ? [[sec.name, 'not run', '', '', '', '', '', sec.error]] : sec.rows.map((r) => cells(sec, r))));
}

/** A plain-text table for the terminal. */
export function textTable(sections: readonly Section[]): string {
  const rows = [HEADER, ...rowsOf(sections)];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The same table in Markdown. */
export function markdownTable(sections: readonly Section[]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  return [
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map(() => '---').join('|')}|`,
    ...rowsOf(sections).map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}
