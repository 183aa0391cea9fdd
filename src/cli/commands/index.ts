import type { Command } from '../command.js';

/** Every CLI verb, in the order `dbship --help` lists them. */
export const commands: Command[] = [];
