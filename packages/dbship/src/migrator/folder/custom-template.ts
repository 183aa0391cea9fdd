/**
 * The comment lines a new hand-written migration starts with (`dbship generate --custom`), and
 * drizzle-kit's line for the same: what generate writes, and what the runtime recognises as a
 * file that was never filled in.
 */

/** The header of a hand-written migration: explains the directives dbship reads. */
export const CUSTOM_HEADER: readonly string[] = [
  '-- Hand-written migration: put the SQL below. It runs in one transaction with its tracking row.',
  '-- Header directives (comment lines before the first statement, one per line):',
  '--   -- dbship:no-transaction          run outside a transaction, statement by statement',
  '--                                     (required for CREATE INDEX CONCURRENTLY; make every',
  '--                                     statement safe to re-run, e.g. IF NOT EXISTS).',
  '--   -- dbship:irreversible <reason>   this migration cannot be undone; downgrade refuses it.',
  '-- Keep one concern per migration, and batch large backfills.',
];

/** The header of its down file. */
export const CUSTOM_DOWN_HEADER: readonly string[] = [
  '-- Undo of the hand-written migration with the same name: put the SQL that reverses it below.',
  '-- If it cannot be undone, make the first line: -- dbship:irreversible <reason>',
];

/** The line `drizzle-kit generate --custom` writes into a new migration. */
export const DRIZZLE_CUSTOM_LINE = '-- Custom SQL migration file, put your code below! --';
