import { createInterface } from 'node:readline/promises';

/** Asks a person a yes/no question; resolves false for anything but y / yes, and on Ctrl-C. */
export type Ask = (question: string) => Promise<boolean>;

/**
 * The terminal's question, or undefined when stdin is not a terminal (CI, a pipe, an init
 * container): then a destructive command needs `--yes` instead of an answer nobody can give.
 */
export function terminalAsk(stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream): Ask | undefined {
  if (!stdin.isTTY || !stderr.isTTY) return undefined;
  return async (question) => {
    const rl = createInterface({ input: stdin, output: stderr });
    const controller = new AbortController();
    // The terminal is in raw mode while readline reads: Ctrl-C arrives here, not as a signal.
    rl.on('SIGINT', () => controller.abort());
    try {
      const answer = await rl.question(`${question} [y/N] `, { signal: controller.signal });
      return /^y(es)?$/i.test(answer.trim());
    } catch {
      stderr.write('\n');
      return false;
    } finally {
      rl.close();
    }
  };
}
