import { gunzipSync, gzipSync } from "node:zlib";
import type { ItemKind, ItemState } from "../../shared/apply/precedence.ts";
import type { Logger } from "../../shared/log.ts";
import type { Store } from "../../shared/ports/store.ts";
import { StatusView } from "./statusView.ts";

/** The encoding's version: a snapshot of another version is passed over, and the view replayed. */
const FORMAT = 1;

interface Encoded {
  format: number;
  /** Each shown item in the view's order: kind ("q" or "r"), state, and for a result when its row last moved. */
  items: ["q" | "r", ItemState, number?][];
}

/** Items per gzip member: the encoder holds one member's text at a time, never the whole view's. */
const ITEMS_PER_MEMBER = 10_000;

/**
 * The view as the store keeps it: every shown state (queries before their results, in the view's
 * order) with the time each row last moved, as gzipped JSON. Only shown states, so it is the size
 * of the view, not of the record. The JSON text is gzipped in pieces, one gzip member each, which
 * gunzip reads back as the one text: a million results would otherwise be a 250 MB string, its
 * bytes again and a million state objects, all at once (700 MiB more RSS per snapshot).
 */
export function encodeSnapshot(view: StatusView): Uint8Array {
  const members: Buffer[] = [];
  let text = `{"format":${FORMAT},"items":[`;
  let count = 0;
  for (const { kind, state, at } of view.shown()) {
    const item: Encoded["items"][number] = kind === "query" ? ["q", state] : ["r", state, at];
    text += `${count === 0 ? "" : ","}${JSON.stringify(item)}`;
    if (++count % ITEMS_PER_MEMBER === 0) {
      members.push(gzipSync(text));
      text = "";
    }
  }
  members.push(gzipSync(`${text}]}`));
  return Buffer.concat(members);
}

/** A view from a snapshot's data; throws when the data is not a snapshot this version reads. */
export function decodeSnapshot(data: Uint8Array): StatusView {
  const decoded = JSON.parse(gunzipSync(data).toString("utf8")) as Encoded;
  if (decoded?.format !== FORMAT || !Array.isArray(decoded.items)) throw new Error(`not a view snapshot of format ${FORMAT}`);
  const view = new StatusView();
  for (const [kind, state, at] of decoded.items) {
    view.take((kind === "q" ? "query" : "result") as ItemKind, state, at ?? 0);
  }
  return view;
}

/** Keeps the view as of a store position: the view holds every stored state up to it. */
export async function saveSnapshot(store: Store, view: StatusView, position: number): Promise<void> {
  await store.saveSnapshot({ position, data: encodeSnapshot(view) });
}

/**
 * The view from the store's newest snapshot, and the position to read the feed on after; a fresh
 * view and 0 when there is none, or it cannot be read (then the whole record is replayed).
 */
export async function restoreSnapshot(store: Store, log?: Logger): Promise<{ view: StatusView; position: number }> {
  const snapshot = await store.latestSnapshot();
  if (snapshot === undefined) return { view: new StatusView(), position: 0 };
  try {
    return { view: decodeSnapshot(snapshot.data), position: snapshot.position };
  } catch (err) {
    log?.warn({ err: String(err), position: snapshot.position }, "view snapshot unreadable; replaying the whole record");
    return { view: new StatusView(), position: 0 };
  }
}
