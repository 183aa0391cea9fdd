import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/** True when the tmux binary is installed. */
export function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * A real terminal: a private tmux server (its own socket) running an interactive bash with the
 * prompt `$ `. Commands are typed with send-keys; what a person would see is read back with
 * capture-pane, so assertions are about the screen, colours and prompts included.
 */
export class Terminal {
  private readonly socket = `dbship-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  constructor(cwd: string, env: Record<string, string>) {
    // -f /dev/null: no user tmux.conf; the server's environment is the one given here.
    execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'loop', '-n', 'cli', '-x', '110', '-y', '50', '-c', cwd, "env PS1='$ ' bash --norc --noprofile"], {
      env: { ...env, PS1: '$ ', TERM: 'xterm-256color' },
    });
    this.tmux('set-option', '-g', 'history-limit', '20000');
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /** Opens another window (e.g. for a long-running `npm start`). */
  window(name: string, cwd: string): void {
    this.tmux('new-window', '-d', '-n', name, '-c', cwd, "env PS1='$ ' bash --norc --noprofile");
  }

  /** The whole scrollback of a window as plain text (colours stripped). */
  screen(window = 'cli'): string {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-', '-t', `loop:${window}`).replace(/\s+$/, '');
  }

  type(text: string, window = 'cli'): void {
    this.tmux('send-keys', '-t', `loop:${window}`, '-l', text);
    this.tmux('send-keys', '-t', `loop:${window}`, 'Enter');
  }

  key(key: string, window = 'cli'): void {
    this.tmux('send-keys', '-t', `loop:${window}`, key);
  }

  /** Waits until the window's screen matches `pattern` (a hang guard, not a timing assertion). */
  async waitFor(pattern: RegExp, window = 'cli', limitMs = 60_000): Promise<string> {
    for (let waited = 0; ; waited += 100) {
      const text = this.screen(window);
      if (pattern.test(text)) return text;
      if (waited > limitMs) throw new Error(`the screen never showed ${pattern}:\n${text}`);
      await sleep(100);
    }
  }

  /**
   * Types a command, waits for the next prompt, and returns what the command printed (the screen
   * between its command line and the new prompt).
   */
  async run(command: string, answer?: { question: RegExp; reply: string }, window = 'cli'): Promise<string> {
    const running = this.begin(command, window);
    if (answer) {
      await this.waitFor(answer.question, window);
      this.type(answer.reply, window);
    }
    return running.finish();
  }

  /**
   * Types a command and returns at once (to look at the screen while it runs, or press a key);
   * `finish()` waits for the next prompt and returns what the command printed.
   */
  begin(command: string, window = 'cli'): { finish(): Promise<string> } {
    const before = this.prompts(window);
    this.type(command, window);
    return {
      finish: async () => {
        for (let waited = 0; this.prompts(window) <= before; waited += 100) {
          if (waited > 60_000) throw new Error(`"${command}" did not finish:\n${this.screen(window)}`);
          await sleep(100);
        }
        const text = this.screen(window);
        const start = text.lastIndexOf(`$ ${command}`);
        return text.slice(start + command.length + 3, text.lastIndexOf('\n$')).replace(/^\n/, '');
      },
    };
  }

  private prompts(window: string): number {
    return this.screen(window).split('\n').filter((l) => /^\$( |$)/.test(l)).length;
  }

  close(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
  }
}
