/**
 * The rolling-update explanation shared by the rules about removing or renaming what the
 * previous release uses.
 */
export const ROLLING_UPDATE =
  'dbship applies migrations in the init container of the FIRST new pod, while pods of the previous release ' +
  'keep serving traffic until the rollout completes (and come back on a rollback).';

export const EXPAND_CONTRACT =
  'Expand/contract over releases: (1) expand: add the new structure and make the application work with both; ' +
  '(2) release code that no longer uses the old structure; (3) contract: in a later release, remove the old one. ' +
  'In that last, deliberate step suppress this finding with `-- dbship:allow <rule> <reason>`, e.g. naming the ' +
  'release since which nothing reads it.';
