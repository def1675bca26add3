import type { ItemKind } from "../shared/apply/precedence.ts";

/** A proposal the hub absorbed as a duplicate: it wrote nothing, so the store has no record of it. */
export interface AbsorbedDuplicate {
  kind: ItemKind;
  id: string;
  nodeId: string | null;
  itemVersion: number;
  status: string | null;
  messageId: string | null;
  /** ISO-8601, on the hub's clock. */
  at: string;
}

/**
 * The duplicates this hub process absorbed, per query, for a query's page: the newest `perQuery`
 * of each of the newest `queries` queries, so that memory stays bounded however long it runs.
 */
export class DuplicateLog {
  private readonly byQuery = new Map<string, AbsorbedDuplicate[]>();

  constructor(
    private readonly perQuery = 200,
    private readonly queries = 1_000,
  ) {}

  note(queryId: string, duplicate: AbsorbedDuplicate): void {
    let list = this.byQuery.get(queryId);
    if (!list) {
      if (this.byQuery.size >= this.queries) this.byQuery.delete(this.byQuery.keys().next().value as string);
      list = [];
      this.byQuery.set(queryId, list);
    }
    list.push(duplicate);
    if (list.length > this.perQuery) list.shift();
  }

  of(queryId: string): readonly AbsorbedDuplicate[] {
    return this.byQuery.get(queryId) ?? [];
  }
}
