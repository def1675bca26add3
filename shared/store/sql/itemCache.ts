import type { ItemState } from "../../apply/precedence.ts";

/**
 * The stored states of recently touched items, least recently used dropped first. It lets a
 * burst be decided without reading the database. It may lag behind what another hub process
 * stored meanwhile, but never holds a state that is not stored: a decision made on it is
 * checked by the primary key when written, and the entry is dropped when that check fails.
 */
export class ItemCache {
  private readonly items = new Map<string, readonly ItemState[]>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.items.size;
  }

  /** The item's states, marking it recently used; undefined when not cached. */
  get(key: string): readonly ItemState[] | undefined {
    const states = this.items.get(key);
    if (states !== undefined) {
      this.items.delete(key);
      this.items.set(key, states);
    }
    return states;
  }

  /** The item's states, leaving its place in the order alone. */
  peek(key: string): readonly ItemState[] | undefined {
    return this.items.get(key);
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  /** Only what is durable goes in: states read from the database or committed by this process. */
  set(key: string, states: readonly ItemState[]): void {
    if (this.capacity <= 0) return;
    this.items.delete(key);
    this.items.set(key, states);
    if (this.items.size > this.capacity) {
      const oldest = this.items.keys().next();
      if (!oldest.done) this.items.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.items.delete(key);
  }
}
