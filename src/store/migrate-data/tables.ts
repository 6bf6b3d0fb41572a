// What `migrate-data` copies, defined once: every SQLite table that holds data, in an order the
// foreign keys accept, each with the key it is read and resumed by. The columns are not listed
// here: they are the PostgreSQL table's (read from its catalog), which the SQLite table shares by
// name, so a column added to both schemas is copied without touching this file.
import { jsonTextForPostgres, textForPostgres } from '../postgres/safe-text.ts';

export interface CopiedTable {
  readonly name: string;
  /** SQLite columns the rows are ordered and resumed by (unique together). */
  readonly key: readonly string[];
  /** The PostgreSQL table has an identity `id` whose sequence must move past the copied ids. */
  readonly identity?: boolean;
  /** Rows replace the target's own (alert_meta: the target's migration made its own instance_id). */
  readonly upsertOn?: string;
  /** Raw rounds: the target is partitioned by day on ts, partitions are made before each batch. */
  readonly partitionedOn?: string;
}

export const COPIED_TABLES: readonly CopiedTable[] = [
  { name: 'endpoints', key: ['id'], identity: true },
  { name: 'endpoint_state', key: ['endpoint_id'] },
  // Before api_tokens and audit_log: both point at users.
  { name: 'users', key: ['id'], identity: true },
  { name: 'api_tokens', key: ['id'], identity: true },
  { name: 'audit_log', key: ['id'], identity: true },
  { name: 'incidents', key: ['id'] },
  // Ids kept: the alert engine's events_cursor (alert_meta) points into them.
  { name: 'events', key: ['id'], identity: true },
  { name: 'cert_observations', key: ['id'], identity: true },
  { name: 'tool_snapshots', key: ['id'], identity: true },
  { name: 'monitoring_gaps', key: ['id'], identity: true },
  // SQLite's rowid orders and resumes the copy; PostgreSQL has no id column for raw rows.
  { name: 'probe_results', key: ['id'], partitionedOn: 'ts' },
  { name: 'rollups_hourly', key: ['start', 'endpoint_id'] },
  { name: 'rollups_daily', key: ['start', 'endpoint_id'] },
  { name: 'alert_state', key: ['endpoint_id'] },
  { name: 'alert_outbox', key: ['id'], identity: true },
  { name: 'alert_channels', key: ['name'] },
  { name: 'alert_routes', key: ['id'], identity: true },
  { name: 'maintenance_windows', key: ['id'], identity: true },
  { name: 'alert_meta', key: ['key'], upsertOn: 'key' },
  { name: 'compliance_reports', key: ['id'], identity: true },
  { name: 'registry_facts', key: ['endpoint_id'] },
  { name: 'registry_sync', key: ['name'] },
  { name: 'status_pages', key: ['id'], identity: true },
  { name: 'status_page_groups', key: ['id'], identity: true },
  { name: 'status_page_members', key: ['group_id', 'endpoint_id'] },
  { name: 'incident_posts', key: ['id'], identity: true },
  { name: 'incident_post_updates', key: ['id'], identity: true },
];

/**
 * SQLite tables deliberately not copied: result_blocks (sealed raw rows, unpacked into
 * probe_results before the copy, see source.ts), the migration history (each backend has its own) and
 * store_meta (endpoints_version is kept by PostgreSQL's triggers; rollups_through_rowid is the
 * SQLite write-behind's watermark, meaningless where rollups are written with every tick), and
 * sessions (people sign in again on the new database rather than carry cookies across).
 */
export const NOT_COPIED: ReadonlySet<string> = new Set(['schema_migrations', 'store_meta', 'sqlite_sequence', 'result_blocks', 'sessions']);

/** A PostgreSQL column: its name and catalog type name (udt_name: int8, bool, jsonb, timestamptz…). */
export interface TargetColumn {
  readonly name: string;
  readonly type: string;
}

export type Converter = (value: unknown) => unknown;

const keep: Converter = (value) => value;

/**
 * How a SQLite value becomes the PostgreSQL column's: 0/1 → boolean, text without NUL, JSON text
 * without the escapes jsonb refuses. ISO text goes to timestamptz as it is (PostgreSQL parses it),
 * integers stay integers; SQLite's status and era codes are the same small integers in both.
 */
export function converterFor(type: string): Converter {
  switch (type) {
    case 'bool':
      return (value) => (value === null || value === undefined ? null : value === 1 || value === 1n || value === true);
    case 'text':
    case 'varchar':
      return (value) => (typeof value === 'string' ? textForPostgres(value) : (value ?? null));
    case 'json':
    case 'jsonb':
      return (value) => (typeof value === 'string' ? jsonTextForPostgres(value) : (value ?? null));
    default:
      return keep;
  }
}
