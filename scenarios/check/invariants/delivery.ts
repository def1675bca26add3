import type { Violation } from "../verdict.ts";
import { type Check, sinceStart } from "./check.ts";

/** Invariants over how the hub settled what it consumed. */
export const DELIVERY_CHECKS = {
  /**
   * Ack after commit: the hub acknowledges a result-update only once a store step holding its
   * proposal has resolved, so a message the broker forgets has a durable effect. One commit of a
   * message is enough: a redelivery's effect was durable with the first.
   */
  "ack-after-commit"(evidence) {
    const out: Violation[] = [];
    const firstCommit = new Map<string, number>();
    for (const c of evidence.commits) for (const m of c.messageIds) if (!firstCommit.has(m)) firstCommit.set(m, c.seq);
    for (const s of evidence.settlements) {
      if (s.how !== "ack" || s.type !== "result-update" || s.messageId === undefined) continue;
      const committed = firstCommit.get(s.messageId);
      if (committed !== undefined && committed < s.seq) continue;
      const t = sinceStart(evidence, s.at);
      out.push({
        invariant: "ack-after-commit",
        item: s.messageId,
        at: t,
        message: `result-update ${s.messageId} was acked at t=${t} ms ${committed === undefined ? "and no store step ever held it" : "before the store step that held it resolved"}`,
      });
    }
    return out;
  },
} satisfies Record<"ack-after-commit", Check>;
