import type { Command } from '../command.js';
import { command as check } from './check.js';
import { command as deploy } from './deploy.js';
import { command as drift } from './drift.js';
import { command as generate } from './generate.js';
import { command as lint } from './lint.js';
import { command as status } from './status.js';
import { command as upgrade } from './upgrade.js';
import { command as downgrade } from './downgrade.js';
import { command as history } from './history.js';
import { command as baseline } from './baseline.js';
import { command as repair } from './repair.js';

/** Every CLI verb, in the order `dbship --help` lists them. */
export const commands: Command[] = [generate, check, lint, upgrade, downgrade, status, history, drift, deploy, baseline, repair];
