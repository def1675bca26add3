/**
 * Equality of two item states as the protocol means it ("compare the item, not transport
 * fields"): the same fields with the same values, whatever the order of the keys, a field set to
 * undefined being no field. Written here again on purpose, as the ladder is.
 */
export function canonical(value: unknown): string {
  if (typeof value !== "object" || value === null) return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(",")}}`;
}

export const sameItem = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);
