import type { LintRule } from '../types.js';
import { rule as addColumnNotNullWithoutDefault } from './add-column-not-null-without-default.js';
import { rule as addGeneratedColumn } from './add-generated-column.js';
import { rule as addUniqueConstraint } from './add-unique-constraint.js';
import { rule as columnTypeRewrite } from './column-type-rewrite.js';
import { rule as concurrentlyInTransaction } from './concurrently-in-transaction.js';
import { rule as constraintWithoutNotValid } from './constraint-without-not-valid.js';
import { rule as createIndexWithoutConcurrently } from './create-index-without-concurrently.js';
import { rule as detachPartitionWithoutConcurrently } from './detach-partition-without-concurrently.js';
import { rule as identifierTooLong } from './identifier-too-long.js';
import { rule as refreshMaterializedViewWithoutConcurrently } from './refresh-materialized-view-without-concurrently.js';
import { rule as renameEnumValue } from './rename-enum-value.js';
import { rule as setLoggedUnlogged } from './set-logged-unlogged.js';
import { rule as dropColumn } from './drop-column.js';
import { rule as dropIndexWithoutConcurrently } from './drop-index-without-concurrently.js';
import { rule as dropTable } from './drop-table.js';
import { rule as lockTable } from './lock-table.js';
import { rule as mixedDdlAndData } from './mixed-ddl-and-data.js';
import { rule as noTransactionMultipleStatements } from './no-transaction-multiple-statements.js';
import { rule as reindexWithoutConcurrently } from './reindex-without-concurrently.js';
import { rule as renameColumn } from './rename-column.js';
import { rule as renameTable } from './rename-table.js';
import { rule as setNotNull } from './set-not-null.js';
import { rule as suppressionUnknownRule } from './suppression-unknown-rule.js';
import { rule as suppressionWithoutReason } from './suppression-without-reason.js';
import { rule as syntaxError } from './syntax-error.js';
import { rule as transactionControl } from './transaction-control.js';
import { rule as truncate } from './truncate.js';
import { rule as unrelatedTables } from './unrelated-tables.js';
import { rule as unusedSuppression } from './unused-suppression.js';
import { rule as vacuumFullOrCluster } from './vacuum-full-or-cluster.js';
import { rule as validateInSameTransaction } from './validate-in-same-transaction.js';
import { rule as volatileDefault } from './volatile-default.js';

/** The rules that check statements, in the order docs/lint-rules.md lists them. */
export const STATEMENT_RULES: readonly LintRule[] = [
  addColumnNotNullWithoutDefault, setNotNull, createIndexWithoutConcurrently, dropIndexWithoutConcurrently,
  concurrentlyInTransaction, constraintWithoutNotValid, validateInSameTransaction, addUniqueConstraint,
  columnTypeRewrite, volatileDefault, addGeneratedColumn, setLoggedUnlogged, dropColumn, dropTable, renameColumn,
  renameTable, renameEnumValue, truncate, mixedDdlAndData, unrelatedTables, noTransactionMultipleStatements,
  vacuumFullOrCluster, reindexWithoutConcurrently, detachPartitionWithoutConcurrently,
  refreshMaterializedViewWithoutConcurrently, lockTable, transactionControl, identifierTooLong,
];

/** Rules the linter reports about the file itself; they cannot be suppressed. */
export const META_RULES = { syntaxError, suppressionWithoutReason, suppressionUnknownRule, unusedSuppression } as const;

/** Every rule, statement rules first. */
export const ALL_RULES: readonly LintRule[] = [...STATEMENT_RULES, ...Object.values(META_RULES)];
