import { parseDuration } from '../config/reader.js';
import { DbshipError } from '../errors.js';
import type { EngineSettings, MigrationSettings } from '../settings.js';
import type { CommandContext } from './command.js';

/**
 * Applies the flags that override a setting (`--wait`, `--allow-out-of-order`, `--strict`), so
 * that commands and the engine see one settings object; flags win over every other source.
 */
export function withFlags(settings: EngineSettings, values: CommandContext['values']): EngineSettings {
  const migrations: { -readonly [K in keyof MigrationSettings]: MigrationSettings[K] } = { ...settings.migrations };
  if (values.wait !== undefined) {
    const ms = parseDuration(String(values.wait));
    if (ms === undefined) {
      throw new DbshipError('USAGE', `--wait must be a duration such as 30s or 2m (got "${values.wait}")`, { fix: 'see `dbship deploy --help`.' });
    }
    migrations.waitMs = ms;
  }
  if (values['allow-out-of-order'] === true) migrations.allowOutOfOrder = true;
  if (values.strict === true) migrations.strict = true;
  return Object.freeze({ ...settings, migrations: Object.freeze(migrations) });
}
