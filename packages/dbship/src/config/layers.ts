/** Variables by name, as the environment gives them. */
export type Env = Readonly<Record<string, string | undefined>>;

/** One source of settings, named as `dbship config` shows it (`env`, `.env`, `drizzle.config.ts`). */
export interface Layer {
  readonly source: string;
  readonly values: Env;
}

/** The merged variables, and for each the source it came from. */
export interface LayeredEnv {
  readonly values: Env;
  readonly sources: Readonly<Record<string, string>>;
}

/**
 * A connection is given either as one URL or as parts. The two forms never mix across sources:
 * the highest-precedence source that names a connection decides its form, and the other form is
 * dropped from every source below it. A shell `DATABASE_URL` therefore overrides `DB_*` lines in
 * `.env` instead of clashing with them, while parts still merge variable by variable (a shell
 * `DB_PASS` over the rest from `.env`), as dotenv users expect.
 */
const CONNECTION_FORMS = [
  { url: 'DATABASE_URL', parts: ['DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER', 'DB_PASS'], tls: ['DB_SSLMODE', 'DB_SSLROOTCERT'] },
  { url: 'MIGRATE_DATABASE_URL', parts: ['MIGRATE_DB_USER', 'MIGRATE_DB_PASS'], tls: [] },
] as const;

/**
 * Merges sources, highest precedence first (environment, `.env`, project config files): each
 * variable comes from the first source that sets it to a non-empty value, except that the
 * connection forms above are chosen per group.
 */
export function mergeLayers(layers: readonly Layer[]): LayeredEnv {
  const kept = layers.map((l) => ({ source: l.source, values: { ...l.values } as Record<string, string | undefined> }));
  for (const form of CONNECTION_FORMS) {
    const decider = kept.findIndex((l) => isSet(l.values[form.url]) || form.parts.some((p) => isSet(l.values[p])));
    if (decider === -1) continue;
    const urlWins = isSet(kept[decider]!.values[form.url]);
    const drop: readonly string[] = urlWins ? [...form.parts, ...form.tls] : [form.url];
    for (const layer of kept.slice(decider + 1)) for (const key of drop) delete layer.values[key];
  }
  const values: Record<string, string> = {};
  const sources: Record<string, string> = {};
  for (const layer of kept) {
    for (const [key, value] of Object.entries(layer.values)) {
      if (!isSet(value) || key in values) continue;
      values[key] = value;
      sources[key] = layer.source;
    }
  }
  return { values, sources };
}

function isSet(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}
