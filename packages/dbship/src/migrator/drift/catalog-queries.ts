/**
 * The pg_catalog queries drift detection runs, set-based (one query per kind of object for the
 * whole database, not one per table). `$1` is the list of schemas (text[]) or of table oids.
 * Objects that belong to an extension (pg_depend deptype 'e', e.g. PostGIS's spatial_ref_sys in
 * public) are left out: no migration creates them. Partitions are left out: their parent is
 * what the models describe. Works on PostgreSQL 12 and later.
 */

/** Rows: schema names of $1 that exist. */
export const SCHEMAS_SQL = `
SELECT n.nspname AS name FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY($1::text[])`;

const NOT_EXTENSION_MEMBER = (catalog: string, alias: string) => `NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend dep
     WHERE dep.classid = '${catalog}'::regclass AND dep.objid = ${alias}.oid AND dep.deptype = 'e')`;

/** Rows: oid, schema, name of every ordinary or partitioned table in the schemas $1. */
export const TABLES_SQL = `
SELECT c.oid::text AS oid, n.nspname AS schema, c.relname AS name
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1::text[])
   AND ${NOT_EXTENSION_MEMBER('pg_catalog.pg_class', 'c')}
 ORDER BY n.nspname, c.relname`;

/** Rows: one per live column of the tables $1 (oids), with its type, default and generation. */
export const COLUMNS_SQL = `
SELECT a.attrelid::text AS table_oid, a.attname AS name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null, a.attidentity::text AS identity, a.attgenerated::text AS generated,
       pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) AS default_expr,
       et.typtype = 'e' AS is_enum, en.nspname AS enum_schema, et.typname AS enum_name,
       t.typcategory = 'A' AS is_array,
       EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                 JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
                WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refobjid = a.attrelid
                  AND d.refobjsubid = a.attnum AND d.deptype = 'a') AS owns_sequence
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  JOIN pg_catalog.pg_type et ON et.oid = CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN t.typelem ELSE t.oid END
  JOIN pg_catalog.pg_namespace en ON en.oid = et.typnamespace
  LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
 WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attrelid, a.attnum`;

const ATTNAMES = (keys: string, rel: string) => `ARRAY(
         SELECT att.attname::text FROM unnest(${keys}) WITH ORDINALITY AS k(num, ord)
           JOIN pg_catalog.pg_attribute att ON att.attrelid = ${rel} AND att.attnum = k.num
          ORDER BY k.ord)`;

/**
 * Rows: primary key, unique, foreign key and check constraints of the tables $1. Constraints
 * cloned from a parent (conparentid, e.g. for a foreign key to a partitioned table) are skipped.
 * `nulls_not_distinct` reads through to_jsonb so the query also runs before PostgreSQL 15.
 */
export const CONSTRAINTS_SQL = `
SELECT con.conrelid::text AS table_oid, con.conname AS name, con.contype::text AS type,
       ${ATTNAMES('con.conkey', 'con.conrelid')} AS columns,
       fn.nspname AS ref_schema, fc.relname AS ref_table,
       ${ATTNAMES('con.confkey', 'con.confrelid')} AS ref_columns,
       con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update,
       CASE WHEN con.contype = 'c' THEN pg_catalog.pg_get_expr(con.conbin, con.conrelid, true) END AS check_expr,
       con.convalidated AS validated,
       COALESCE((to_jsonb(ix) ->> 'indnullsnotdistinct')::boolean, false) AS nulls_not_distinct
  FROM pg_catalog.pg_constraint con
  LEFT JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid
  LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
  LEFT JOIN pg_catalog.pg_index ix ON ix.indexrelid = con.conindid AND con.contype = 'u'
 WHERE con.conrelid = ANY($1::oid[]) AND con.contype IN ('p', 'u', 'f', 'c') AND con.conparentid = 0
 ORDER BY con.conrelid, con.conname`;

/**
 * Rows: indexes of the tables $1 that do not back a primary key, unique or exclusion constraint
 * (those are compared as constraints), one JSON object per key column, and the INCLUDE columns.
 */
export const INDEXES_SQL = `
SELECT i.indrelid::text AS table_oid, ic.relname AS name, i.indisunique AS is_unique,
       i.indisvalid AS is_valid, am.amname AS method,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS where_expr,
       COALESCE(ic.reloptions, '{}')::text[] AS options,
       (SELECT COALESCE(json_agg(json_build_object(
                 'expression', CASE WHEN i.indkey[k.n - 1] = 0
                                    THEN pg_catalog.pg_get_indexdef(i.indexrelid, k.n, true) ELSE att.attname::text END,
                 'isExpression', i.indkey[k.n - 1] = 0,
                 'option', i.indoption[k.n - 1],
                 'opclass', oc.opcname,
                 'opclassDefault', oc.opcdefault) ORDER BY k.n), '[]'::json)
          FROM generate_series(1, i.indnkeyatts) AS k(n)
          LEFT JOIN pg_catalog.pg_attribute att ON att.attrelid = i.indrelid AND att.attnum = i.indkey[k.n - 1]
          LEFT JOIN pg_catalog.pg_opclass oc ON oc.oid = i.indclass[k.n - 1]) AS columns,
       ARRAY(SELECT att.attname::text FROM generate_series(i.indnkeyatts + 1, i.indnatts) AS k(n)
               JOIN pg_catalog.pg_attribute att ON att.attrelid = i.indrelid AND att.attnum = i.indkey[k.n - 1]
              ORDER BY k.n) AS include
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_catalog.pg_am am ON am.oid = ic.relam
 WHERE i.indrelid = ANY($1::oid[])
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c
                    WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x'))
 ORDER BY i.indrelid, ic.relname`;

/** Rows: enums of the schemas $1 with their labels in order. */
export const ENUMS_SQL = `
SELECT n.nspname AS schema, t.typname AS name,
       ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels
  FROM pg_catalog.pg_type t
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
 WHERE t.typtype = 'e' AND n.nspname = ANY($1::text[]) AND ${NOT_EXTENSION_MEMBER('pg_catalog.pg_type', 't')}
 ORDER BY n.nspname, t.typname`;

/** Rows: sequences of the schemas $1 that no column owns (serial and identity ones belong to their column). */
export const SEQUENCES_SQL = `
SELECT n.nspname AS schema, c.relname AS name, s.seqincrement::text AS increment, s.seqstart::text AS start_with,
       s.seqmin::text AS min_value, s.seqmax::text AS max_value, s.seqcache::text AS cache, s.seqcycle AS cycle
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
 WHERE c.relkind = 'S' AND n.nspname = ANY($1::text[])
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i', 'e'))
 ORDER BY n.nspname, c.relname`;
