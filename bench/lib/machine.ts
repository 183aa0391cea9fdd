import { readFileSync } from 'node:fs';
import os from 'node:os';

/** The machine the figures were measured on, for the report. */
export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly os: string;
  readonly postgres: string;
  readonly postgresOrigin: string;
  /** 1-minute load average when the run started: other work on the machine skews figures. */
  readonly loadAverage: number;
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1]!.trim();
  } catch {
    // not Linux: fall back to what Node reports
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

export function machineInfo(postgres: string, postgresOrigin: string): MachineInfo {
  return {
    cpus: os.availableParallelism(),
    cpuModel: cpuModel(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    postgres,
    postgresOrigin,
    loadAverage: Math.round(os.loadavg()[0]! * 10) / 10,
  };
}

export function describeMachine(m: MachineInfo): string[] {
  return [
    `CPU: ${m.cpus} x ${m.cpuModel} (nproc ${m.cpus})`,
    `RAM: ${m.memoryGiB} GiB`,
    `OS: ${m.os}`,
    `Node.js: ${m.node}`,
    `PostgreSQL: ${m.postgres} (${m.postgresOrigin})`,
    `Load average (1 min) at the start: ${m.loadAverage} on ${m.cpus} CPUs`,
  ];
}
