import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { mergeLayers, type Env, type Layer, type LayeredEnv } from '../config/layers.js';
import { readProjectLayers } from './project-config.js';
import { findProjectRoot } from './root.js';

/** Where the settings of one run come from: the project root, and the merged variables with their sources. */
export interface SettingsSources extends LayeredEnv {
  readonly root: string;
}

export interface LoadSourcesOptions {
  /** The environment (default `process.env`). Wins over everything else. */
  env?: Env;
  /** Where dbship runs; the project root is found from here (default `process.cwd()`). */
  cwd?: string;
  /** Read `<root>/.env` (default true). */
  readDotEnv?: boolean;
  /** Read drizzle.config.* and dbship.config.* (default true). */
  readProjectFiles?: boolean;
}

/**
 * Finds the project root (walking up to package.json) and merges, in this order of precedence:
 * the environment, `<root>/.env`, dbship.config.*, the `dbship` section of drizzle.config.*, and
 * drizzle.config.* itself. Loading a config file may run the user's TypeScript: its errors are
 * thrown as the user's (exit 2), with file and line.
 */
export async function loadSources(options: LoadSourcesOptions = {}): Promise<SettingsSources> {
  const cwd = options.cwd ?? process.cwd();
  const root = findProjectRoot(cwd);
  const layers = envLayers(options.env ?? process.env, root, options.readDotEnv ?? true);
  if (options.readProjectFiles ?? true) layers.push(...(await readProjectLayers(root, cwd)));
  return { root, ...mergeLayers(layers) };
}

/** The environment and `<dir>/.env` (when present and wanted), highest precedence first. */
export function envLayers(env: Env, dir: string, readDotEnv = true): Layer[] {
  const layers: Layer[] = [{ source: 'env', values: env }];
  const file = path.join(dir, '.env');
  if (readDotEnv && existsSync(file)) layers.push({ source: '.env', values: parseEnv(readFileSync(file, 'utf8')) });
  return layers;
}
