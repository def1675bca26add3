import type { Violation } from "../verdict.ts";
import type { Receipt } from "../evidence.ts";
import { type Check, sinceStart } from "./check.ts";

/** The first receipt of each message the test picks: a message handed to the hub again is one message. */
function firstReceipts(
  receipts: readonly Receipt[],
  picked: (r: Receipt & { messageId: string }) => boolean,
): (Receipt & { messageId: string })[] {
  const seen = new Set<string>();
  return receipts.filter((r): r is Receipt & { messageId: string } => {
    if (r.messageId === undefined || seen.has(r.messageId) || !picked(r as Receipt & { messageId: string })) return false;
    seen.add(r.messageId);
    return true;
  });
}

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

  /**
   * Every store step the hub made proposed something: a step with nothing to decide writes nothing
   * and answers nothing, but costs a store call and the settling after it, and a hub that makes them
   * makes them on and on (a lane that never stops flushing, a sweep that writes when nothing is overdue).
   */
  "steps-not-empty"(evidence) {
    const empty = evidence.commits.filter((c) => c.proposals === 0);
    const first = empty[0];
    if (!first) return [];
    const t = sinceStart(evidence, first.at);
    return [
      {
        invariant: "steps-not-empty",
        item: "store",
        at: t,
        message: `the hub made ${empty.length} store step${empty.length === 1 ? "" : "s"} with no proposal, the first at t=${t} ms`,
      },
    ];
  },

  /**
   * The hub gives a delivery back to the broker (a nack, which requeues it) only when the store
   * step of its burst failed by a fault the run injected in it: a store fault failing the step, or
   * the hub crashing before the step committed (docs/protocol.md section 3: when the store cannot
   * take it, the message goes back). Each copy given back needs a failed step of its own holding its
   * message, before it. A step the store failed on its own (another writer's key it should have
   * decided again, a lost connection) is no reason the run knows: a hub that gives back what it
   * should have settled only delays it, and the redelivery decides the same.
   */
  "nack-after-fault"(evidence) {
    const out: Violation[] = [];
    if (!evidence.failedSteps) return out;
    const events = [...evidence.failedSteps, ...evidence.settlements].sort((a, b) => a.seq - b.seq);
    const owed = new Map<string, number>();
    const unexplained = new Map<string, string>();
    for (const e of events) {
      if ("messageIds" in e) {
        for (const m of e.messageIds) {
          if (e.fault) owed.set(m, (owed.get(m) ?? 0) + 1);
          else unexplained.set(m, e.error);
        }
        continue;
      }
      if (e.how !== "nack") continue;
      const key = e.messageId ?? "";
      const left = owed.get(key) ?? 0;
      if (left > 0) {
        owed.set(key, left - 1);
        continue;
      }
      const t = sinceStart(evidence, e.at);
      const error = unexplained.get(key);
      out.push({
        invariant: "nack-after-fault",
        item: key,
        at: t,
        message: `${e.type ?? "a message"} ${key} was given back to the broker at t=${t} ms ${error === undefined ? "with no store step of it failed by a fault of the run" : `after its store step failed with no fault of the run: ${error}`}`,
      });
    }
    return out;
  },

  /**
   * A message in a node's name that the node did not write (another site's result, a status only
   * the hub sets, a message on the wrong route, garbage) is dead-lettered: never acknowledged, never
   * stored, and dead-lettered by the hub itself (docs/protocol.md, "Dead letters": with its reason),
   * not failed on until the broker gives up redelivering it. A message the hub gave back (its store
   * step failed) may reach the broker's delivery limit instead.
   */
  "forgeries-refused"(evidence) {
    const out: Violation[] = [];
    const forged = new Set(evidence.forged);
    if (forged.size === 0) return out;
    for (const d of evidence.decisions) {
      if (d.messageId === undefined || !forged.has(d.messageId) || d.outcome === "rejected") continue;
      out.push({
        invariant: "forgeries-refused",
        item: d.messageId,
        at: sinceStart(evidence, d.at),
        message: `forged message ${d.messageId} reached the store, which decided ${d.outcome} for ${d.id}`,
      });
    }
    for (const s of evidence.settlements) {
      if (s.how !== "ack" || s.messageId === undefined || !forged.has(s.messageId)) continue;
      const t = sinceStart(evidence, s.at);
      out.push({
        invariant: "forgeries-refused",
        item: s.messageId,
        at: t,
        message: `forged ${s.type ?? "message"} ${s.messageId} was acked at t=${t} ms`,
      });
    }
    // Settled at all: an ack is reported above, a nack is a failed store step's.
    const settled = new Set(evidence.settlements.map((s) => s.messageId));
    for (const r of firstReceipts(evidence.receipts, (r) => forged.has(r.messageId) && !settled.has(r.messageId))) {
      const t = sinceStart(evidence, r.at);
      out.push({
        invariant: "forgeries-refused",
        item: r.messageId,
        at: t,
        message: `forged ${r.type ?? "message"} ${r.messageId}, handed to the hub at t=${t} ms, was never settled by it (the broker redelivers it until its delivery limit)`,
      });
    }
    return out;
  },

  /**
   * A site's heartbeat is heard: the hub acks every heartbeat its consumer was handed (once is
   * enough: a copy or a redelivery is the same beat), and dead-letters or gives back none, forged
   * ones aside. A heartbeat is checked for nothing the store holds, so refusing it, or failing on
   * it, silences the site's liveness and nothing else would show.
   */
  "heartbeats-heard"(evidence) {
    const out: Violation[] = [];
    const forged = new Set(evidence.forged);
    const isBeat = (m: { type: string | undefined; messageId: string | undefined }): m is { type: string; messageId: string } =>
      m.type === "node-heartbeat" && m.messageId !== undefined && !forged.has(m.messageId);
    const acked = new Set<string>();
    for (const s of evidence.settlements) {
      if (!isBeat(s)) continue;
      if (s.how === "ack") {
        acked.add(s.messageId);
        continue;
      }
      const t = sinceStart(evidence, s.at);
      out.push({
        invariant: "heartbeats-heard",
        item: s.messageId,
        at: t,
        message: `heartbeat ${s.messageId} was ${s.how === "nack" ? "given back" : "dead-lettered"} by the hub at t=${t} ms`,
      });
    }
    for (const r of firstReceipts(evidence.receipts, (r) => isBeat(r) && !acked.has(r.messageId))) {
      const t = sinceStart(evidence, r.at);
      out.push({
        invariant: "heartbeats-heard",
        item: r.messageId,
        at: t,
        message: `heartbeat ${r.messageId}, handed to the hub at t=${t} ms, was never acked`,
      });
    }
    return out;
  },

  /**
   * A rejection says why (docs/protocol.md section 3: the wording is qnet's, that the reason names
   * the problem is the contract): every dead letter the hub gives carries a reason, and a proposal
   * the store refused is dead-lettered with a reason that names the problem the model finds in it,
   * in the words of the protocol's table of rejections.
   */
  "rejections-named"(evidence, replay) {
    const out: Violation[] = [];
    const reasons = new Map<string, string[]>();
    for (const s of evidence.settlements) {
      if (s.how !== "deadLetter" || s.reason === undefined) continue;
      if (s.messageId !== undefined) reasons.set(s.messageId, [...(reasons.get(s.messageId) ?? []), s.reason]);
      if (s.reason.trim() !== "") continue;
      const t = sinceStart(evidence, s.at);
      out.push({
        invariant: "rejections-named",
        item: s.messageId ?? "a message",
        at: t,
        message: `${s.type ?? "an undecodable message"} ${s.messageId ?? ""} was dead-lettered at t=${t} ms without a reason`,
      });
    }
    for (const d of evidence.decisions) {
      const refusal = d.outcome === "rejected" ? replay.refusals.get(d.n) : undefined;
      const given = d.messageId === undefined ? undefined : reasons.get(d.messageId);
      const problem = refusal === undefined ? undefined : STEP_ONE_PROBLEMS.find((p) => refusal.includes(p));
      if (problem === undefined || given === undefined || given.every((r) => r.includes(problem))) continue;
      out.push({
        invariant: "rejections-named",
        item: d.id,
        at: sinceStart(evidence, d.at),
        decision: d.n,
        message: `message ${d.messageId} was refused as "${refusal}", but dead-lettered as "${given.find((r) => !r.includes(problem))}", which does not say "${problem}"`,
      });
    }
    return out;
  },

  /**
   * Every hub replica hears every heartbeat (docs/protocol.md sections 4 and 5: each has a
   * subscription of its own beside the shared hub queue), so each replica running at the end last
   * heard a site no earlier than the site's last heartbeat that reached it: published once the
   * replica ran and the faults were over, a heartbeat interval or more before the end; and it heard
   * no site that published no heartbeat of its own (a forged one in its name is refused). Judged on
   * the virtual clock only, where "before" is exact.
   */
  "liveness-whole"(evidence) {
    const out: Violation[] = [];
    if (evidence.clock !== "virtual" || !evidence.liveness || !evidence.heartbeats) return out;
    const forged = new Set(evidence.forged);
    const beating = new Set(evidence.heartbeats.filter((h) => !forged.has(h.messageId)).map((h) => h.nodeId));
    for (const read of evidence.liveness) {
      for (const site of read.sites) {
        if (site.lastHeartbeat !== null && !beating.has(site.nodeId)) {
          const t = sinceStart(evidence, site.lastHeartbeat);
          out.push({
            invariant: "liveness-whole",
            item: site.nodeId,
            at: t,
            message: `replica ${read.replica} last heard ${site.nodeId} at t=${t} ms, but ${site.nodeId} published no heartbeat of its own`,
          });
          continue;
        }
        const due = evidence.heartbeats.filter(
          (h) => h.nodeId === site.nodeId && !forged.has(h.messageId) && h.at >= read.since && h.at <= read.at - read.heartbeatMs,
        );
        const last = due.at(-1);
        if (last === undefined || (site.lastHeartbeat !== null && site.lastHeartbeat >= last.at)) continue;
        const t = sinceStart(evidence, last.at);
        const heard = site.lastHeartbeat === null ? "never" : `at t=${sinceStart(evidence, site.lastHeartbeat)} ms`;
        out.push({
          invariant: "liveness-whole",
          item: site.nodeId,
          at: t,
          message: `replica ${read.replica} last heard ${site.nodeId} ${heard}, but its heartbeat ${last.messageId} was published at t=${t} ms`,
        });
      }
    }
    return out;
  },

  /**
   * A graceful stop loses nothing and leaves nothing half done (docs/protocol.md section 7: stop
   * consuming, finish in-flight work, ack, close): a hub stopped as a rolling restart stops it has
   * settled every delivery it was handed (acked, given back or dead-lettered) before its connection
   * closes. A delivery it still held then is redelivered, but its store step may commit after the
   * next hub started, from a hub the operator saw stopped.
   */
  "graceful-stop"(evidence) {
    const out: Violation[] = [];
    for (const stop of evidence.gracefulStops ?? []) {
      const within = (e: { seq: number }) => e.seq > stop.since && e.seq < stop.seq;
      const open = new Map<string, { at: number; type: string | undefined; count: number }>();
      for (const r of evidence.receipts.filter(within)) {
        const key = r.messageId ?? "";
        const o = open.get(key);
        open.set(key, { at: o?.at ?? r.at, type: r.type, count: (o?.count ?? 0) + 1 });
      }
      for (const s of evidence.settlements.filter(within)) {
        const o = open.get(s.messageId ?? "");
        if (o) o.count--;
      }
      for (const [messageId, o] of open) {
        if (o.count <= 0) continue;
        const t = sinceStart(evidence, o.at);
        out.push({
          invariant: "graceful-stop",
          item: messageId,
          at: t,
          message: `${o.type ?? "a message"} ${messageId}, handed to the hub at t=${t} ms, was not settled by it before its graceful stop closed its connection at t=${sinceStart(evidence, stop.at)} ms`,
        });
      }
    }
    return out;
  },
} satisfies Record<
  | "ack-after-commit"
  | "steps-not-empty"
  | "nack-after-fault"
  | "forgeries-refused"
  | "rejections-named"
  | "heartbeats-heard"
  | "liveness-whole"
  | "graceful-stop",
  Check
>;

/** The words that name each problem of step 1 the store tells, as the protocol's table of rejections words them; the first that fits. */
const STEP_ONE_PROBLEMS = ["unknown query", "was not sent to node", "is set by the hub", "proposes results only", "status"];
