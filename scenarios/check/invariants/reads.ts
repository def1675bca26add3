import type { Observation } from "../evidence.ts";
import type { Violation } from "../verdict.ts";
import { type Check, sinceStart } from "./check.ts";

const seen = (o: Observation) => `${o.status} v${o.itemVersion} (${o.source === "event" ? "an event" : "a poll"})`;

/** Invariants over what readers saw. */
export const READ_CHECKS = {
  /**
   * What a reader sees of a site's row never moves to a lower precedence, in the event stream and
   * in polls alike, every state counted: a running state's progress is a version of its own. With
   * hub replicas, on each replica: a reader of any replica never sees its row move back.
   */
  "monotone-reads"(evidence) {
    const out: Violation[] = [];
    const last = new Map<string, Observation>();
    for (const o of evidence.observations) {
      const key = o.replica === undefined ? `${o.queryId}:${o.nodeId}` : `${o.queryId}:${o.nodeId} on replica ${o.replica}`;
      const before = last.get(key);
      last.set(key, o);
      if (!before || o.stage > before.stage || (o.stage === before.stage && o.itemVersion >= before.itemVersion)) continue;
      const t = sinceStart(evidence, o.at);
      out.push({
        invariant: "monotone-reads",
        item: key,
        at: t,
        message: `result ${key}: a reader saw ${seen(before)}, then ${seen(o)} at t=${t} ms`,
      });
    }
    return out;
  },
} satisfies Record<"monotone-reads", Check>;
