// Batched statements for node-postgres: many rows as one array per column, expanded server-side by
// unnest(). One round trip and one parse for a whole tick, with parameters (never SQL text) carrying
// the values, and a parameter count that does not grow with the rows.

/** A column's name and the PostgreSQL type its array parameter is cast to. */
export type ColumnSpec = readonly [name: string, type: string];

/** `SELECT * FROM unnest($n::t[], …) AS u(c, …)` with parameters numbered from `firstParam`. */
export function unnestSelect(columns: readonly ColumnSpec[], firstParam = 1): string {
  const arrays = columns.map(([, type], i) => `$${firstParam + i}::${type}[]`);
  return `SELECT * FROM unnest(${arrays.join(', ')}) AS u(${columns.map(([name]) => name).join(', ')})`;
}

/** The rows as one array per column, in `columns` order (the unnestSelect parameters). */
export function columnArrays(columns: readonly ColumnSpec[], rows: readonly object[]): unknown[][] {
  return columns.map(([name]) => rows.map((row) => (row as Record<string, unknown>)[name] ?? null));
}
