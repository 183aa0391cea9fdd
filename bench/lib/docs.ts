import { readFileSync, writeFileSync } from 'node:fs';
import { describeMachine, type MachineInfo } from './machine.js';
import { markdownTable, type Section } from './table.js';

const RESULTS = 'results';
const MACHINE = 'machine';

const start = (id: string) => `<!-- bench:${id}:start -->`;
const end = (id: string) => `<!-- bench:${id}:end -->`;

/** The blocks inside the results block, by id, as they are in the document. */
function existingBlocks(results: string): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const m of results.matchAll(/<!-- bench:([a-z-]+):start -->\n?([\s\S]*?)\n?<!-- bench:\1:end -->/g)) blocks.set(m[1]!, m[2]!);
  return blocks;
}

function sectionBlock(section: Section, command: string, machine: MachineInfo): string {
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  return [
    `### ${section.name}: ${section.title}`,
    '',
    `Measured ${when} UTC with \`${command}\` (load average ${machine.loadAverage} on ${machine.cpus} CPUs at the start).`,
    '',
    markdownTable([section]),
  ].join('\n');
}

/**
 * Writes the measured sections into `file`'s results block (between `<!-- bench:results:start -->`
 * and `<!-- bench:results:end -->`), one sub-block per benchmark, in `order`. Benchmarks not run
 * this time keep their previous block, with its own date, so running one benchmark never erases
 * the others' figures. The machine block describes the latest run.
 */
export function updateResults(file: string, sections: readonly Section[], machine: MachineInfo, command: string, order: readonly string[]): void {
  const doc = readFileSync(file, 'utf8');
  const from = doc.indexOf(start(RESULTS));
  const to = doc.indexOf(end(RESULTS));
  if (from === -1 || to === -1) throw new Error(`${file} has no ${start(RESULTS)} ... ${end(RESULTS)} block to write into`);
  const blocks = existingBlocks(doc.slice(from, to));
  blocks.set(MACHINE, ['Machine of the latest run:', '', ...describeMachine(machine).map((l) => `- ${l}`)].join('\n'));
  for (const s of sections) blocks.set(s.name, sectionBlock(s, command, machine));
  const ids = [MACHINE, ...order, ...[...blocks.keys()].filter((id) => id !== MACHINE && !order.includes(id))].filter((id) => blocks.has(id));
  const body = ids.map((id) => `${start(id)}\n${blocks.get(id)}\n${end(id)}`).join('\n\n');
  writeFileSync(file, `${doc.slice(0, from)}${start(RESULTS)}\n${body}\n${doc.slice(to)}`);
}
