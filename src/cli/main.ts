#!/usr/bin/env node
import { ExitCode } from './exit-codes.js';
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
process.exitCode = await runCli(process.argv.slice(2), { signal: controller.signal });
