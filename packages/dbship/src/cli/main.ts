#!/usr/bin/env node
import { ExitCode } from '../exit-codes.js';
import { terminalAsk } from './confirm.js';
import { runCli } from './run.js';

// SIGTERM / SIGINT abort the command: the engine closes its connection (the server rolls back the
// migration in progress) and returns an error. Should a command not finish within the grace
// period, or a second signal arrive, the process exits non-zero anyway.
const GRACE_MS = 10_000;
const controller = new AbortController();
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    if (controller.signal.aborted) process.exit(ExitCode.MigrationFailed);
    controller.abort(new Error(`received ${sig}`));
    setTimeout(() => process.exit(ExitCode.MigrationFailed), GRACE_MS).unref();
  });
}
const ask = terminalAsk(process.stdin, process.stderr);
const code = await runCli(process.argv.slice(2), { signal: controller.signal, ...(ask ? { ask } : {}) });
process.exitCode = code;
// Every connection is closed by now. The PostgreSQL parser's WebAssembly runtime would keep the
// process alive for a few hundred milliseconds more, which every pod start pays for in the init
// container: exit as soon as the output is flushed.
await flush(process.stdout);
await flush(process.stderr);
process.exit(code);

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}
