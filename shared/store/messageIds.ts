/** Lower-case 8-4-4-4-12 hex: what the nodes and the hub send as messageId. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const WORDS = 4;

/**
 * Message ids in log order. A UUID in its usual lower-case text takes 16 bytes here instead of a
 * string of about 56; any other id (or null) is kept as given. Every id reads back exactly as written.
 */
export class MessageIds {
  private words = new Uint32Array(1024 * WORDS);
  /** Places holding something other than a lower-case UUID: null or the text itself. */
  private readonly other = new Map<number, string | null>();
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(id: string | null): void {
    const place = this.count++;
    if (place * WORDS === this.words.length) {
      const grown = new Uint32Array(this.words.length * 2);
      grown.set(this.words);
      this.words = grown;
    }
    if (id === null || !UUID.test(id)) {
      this.other.set(place, id);
      return;
    }
    const hex = id.replaceAll("-", "");
    for (let w = 0; w < WORDS; w++) this.words[place * WORDS + w] = Number.parseInt(hex.slice(w * 8, w * 8 + 8), 16);
  }

  at(place: number): string | null {
    const other = this.other.get(place);
    if (other !== undefined || this.other.has(place)) return other ?? null;
    let hex = "";
    for (let w = 0; w < WORDS; w++) hex += (this.words[place * WORDS + w] as number).toString(16).padStart(8, "0");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
}
