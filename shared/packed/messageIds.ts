import { Column } from "./column.ts";

/** Lower-case 8-4-4-4-12 hex: what the nodes and the hub send as messageId. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const WORDS = 4;
/** What a place holds, by its form code. */
const AS_UUID = 0;
const AS_NULL = 1;
const AS_TEXT = 2;

/**
 * Message ids in log order. A UUID in its usual lower-case text takes 16 bytes here instead of a
 * string of about 56, and null (the hub's own writes, a quarter of a simulation's states) a form
 * byte instead of a map entry; any other id is kept as given. Every id reads back exactly as written.
 */
export class MessageIds {
  /** A UUID's 128 bits as four words at place * WORDS. */
  private readonly words = new Column((n) => new Uint32Array(n));
  private readonly forms = new Column((n) => new Uint8Array(n));
  /** Places holding something other than a lower-case UUID or null: the text itself. */
  private readonly texts = new Map<number, string>();

  get length(): number {
    return this.forms.length;
  }

  push(id: string | null): void {
    const place = this.forms.length;
    if (id === null) {
      this.forms.push(AS_NULL);
      return;
    }
    if (!UUID.test(id)) {
      this.forms.push(AS_TEXT);
      this.texts.set(place, id);
      return;
    }
    this.forms.push(AS_UUID);
    const hex = id.replaceAll("-", "");
    for (let w = 0; w < WORDS; w++) this.words.set(place * WORDS + w, Number.parseInt(hex.slice(w * 8, w * 8 + 8), 16));
  }

  at(place: number): string | null {
    const form = this.forms.at(place);
    if (form === AS_NULL) return null;
    if (form === AS_TEXT) return this.texts.get(place) as string;
    let hex = "";
    for (let w = 0; w < WORDS; w++)
      hex += this.words
        .at(place * WORDS + w)
        .toString(16)
        .padStart(8, "0");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
}
