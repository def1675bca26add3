import type { Violation } from "../verdict.ts";
import type { Check } from "./check.ts";

/** Invariants over what the hub says of itself to an operator. */
export const METRICS_CHECKS = {
  /**
   * The hub's counters, which docs/protocol.md section 6 promises on /metrics, tally what the run
   * recorded of the hubs that ran: every delivery its consumer was handed counted once by type, the
   * broker's redeliveries among them, every dead letter it gave, every store decision by outcome, a
   * rejection for each dead letter (refused at the edge or by the store), and one apply latency per
   * node proposal the store decided, none below zero nor longer than the run.
   */
  "metrics-tally"(evidence) {
    const c = evidence.counters;
    if (c === undefined) return [];
    const out: Violation[] = [];
    const wrong = (what: string, shown: number, recorded: number, of: string) => {
      if (shown === recorded) return;
      out.push({ invariant: "metrics-tally", item: what, message: `${what} is ${shown}, but the run recorded ${recorded} ${of}` });
    };
    const countBy = <T>(xs: readonly T[], key: (x: T) => string | undefined) => {
      const n = new Map<string, number>();
      for (const x of xs) {
        const k = key(x);
        if (k !== undefined) n.set(k, (n.get(k) ?? 0) + 1);
      }
      return n;
    };
    const handed = countBy(evidence.receipts, (r) => r.type);
    for (const type of new Set([...Object.keys(c.messages), ...handed.keys()])) {
      wrong(`qnet_messages_total{type="${type}"}`, c.messages[type] ?? 0, handed.get(type) ?? 0, `${type} deliveries handed to the hub`);
    }
    const redelivered = evidence.receipts.filter((r) => r.redelivered === true).length;
    wrong("qnet_redeliveries_total", c.redeliveries, redelivered, "deliveries handed to the hub flagged redelivered");
    const deadLetters = evidence.settlements.filter((s) => s.how === "deadLetter").length;
    wrong("qnet_dead_letters_total", c.deadLetters, deadLetters, "dead letters the hub gave");
    const decided = countBy(evidence.decisions, (d) => (d.outcome === "rejected" ? undefined : d.outcome));
    for (const outcome of new Set([...Object.keys(c.outcomes), ...decided.keys()])) {
      if (outcome === "rejected") continue;
      wrong(
        `qnet_apply_outcomes_total{outcome="${outcome}"}`,
        c.outcomes[outcome] ?? 0,
        decided.get(outcome) ?? 0,
        "decisions of that outcome",
      );
    }
    wrong(
      'qnet_apply_outcomes_total{outcome="rejected"}',
      c.outcomes.rejected ?? 0,
      deadLetters,
      "messages the hub refused and dead-lettered",
    );
    const nodeDecisions = evidence.decisions.filter((d) => d.origin === "node").length;
    wrong("qnet_apply_latency_seconds_count", c.applyLatency.count, nodeDecisions, "node proposals the store decided");
    const runSeconds = (Math.max(evidence.startedAt, ...evidence.decisions.map((d) => d.at)) - evidence.startedAt) / 1000;
    const { sum, count } = c.applyLatency;
    if (sum < 0 || sum > count * runSeconds) {
      out.push({
        invariant: "metrics-tally",
        item: "qnet_apply_latency_seconds_sum",
        message: `qnet_apply_latency_seconds_sum is ${sum} over ${count} observations: not within 0 and ${count} times the run's ${runSeconds} s`,
      });
    }
    return out;
  },
} satisfies Record<"metrics-tally", Check>;
