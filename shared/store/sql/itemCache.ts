import type { ItemKind, ItemState } from "../../apply/precedence.ts";

interface Entry {
  states: readonly ItemState[];
  /** When the item was last used: the cache's tick then. */
  used: number;
}

/**
 * The stored states of recently touched items, least recently used dropped first. It lets a
 * burst be decided without reading the database. It may lag behind what another hub process
 * stored meanwhile, but never holds a state that is not stored: a decision made on it is
 * checked by the primary key when written, and the entry is dropped when that check fails.
 *
 * Items are kept by kind, each kind's by id alone: a lookup hashes the id string the message
 * brought (once; a string keeps its hash) instead of a key made for it every time.
 */
export class ItemCache {
  private readonly items: Record<ItemKind, Map<string, Entry>> = { query: new Map(), result: new Map() };
  private tick = 0;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.items.query.size + this.items.result.size;
  }

  /** The item's states, marking it recently used; undefined when not cached. */
  get(kind: ItemKind, id: string): readonly ItemState[] | undefined {
    const of = this.items[kind];
    const entry = of.get(id);
    if (entry === undefined) return undefined;
    of.delete(id);
    of.set(id, entry);
    entry.used = ++this.tick;
    return entry.states;
  }

  /** The item's states, leaving its place in the order alone. */
  peek(kind: ItemKind, id: string): readonly ItemState[] | undefined {
    return this.items[kind].get(id)?.states;
  }

  has(kind: ItemKind, id: string): boolean {
    return this.items[kind].has(id);
  }

  /** Only what is durable goes in: states read from the database or committed by this process. */
  set(kind: ItemKind, id: string, states: readonly ItemState[]): void {
    if (this.capacity <= 0) return;
    const of = this.items[kind];
    of.delete(id);
    of.set(id, { states, used: ++this.tick });
    if (this.size > this.capacity) this.dropOldest();
  }

  delete(kind: ItemKind, id: string): void {
    this.items[kind].delete(id);
  }

  /** Each kind's map is in order of use, so the least recently used item is the older of their first entries. */
  private dropOldest(): void {
    const query = this.items.query.entries().next().value;
    const result = this.items.result.entries().next().value;
    if (query !== undefined && (result === undefined || query[1].used < result[1].used)) this.items.query.delete(query[0]);
    else if (result !== undefined) this.items.result.delete(result[0]);
  }
}
