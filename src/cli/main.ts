#!/usr/bin/env node
import { runCli } from './run.js';

const controller = new AbortController();
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => controller.abort(new Error(`received ${sig}`)));
}
process.exitCode = await runCli(process.argv.slice(2), { signal: controller.signal });
