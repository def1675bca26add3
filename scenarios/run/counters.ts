import type { Hub } from "../../hub/hub.ts";
import type { HubCounters } from "../check/evidence.ts";

interface Sample {
  labels: Record<string, string | number | undefined>;
  value: number;
  metricName?: string;
}

/**
 * The counters of every hub given, summed, as their /metrics would show them now. Read at the end
 * of a run, with the run's record, so that the checker can tally one against the other.
 */
export async function hubCounters(hubs: readonly Hub[]): Promise<HubCounters> {
  const messages: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  const counters = { messages, outcomes, redeliveries: 0, deadLetters: 0, applyLatency: { count: 0, sum: 0 } };
  const add = (into: Record<string, number>, key: unknown, n: number) => {
    into[String(key)] = (into[String(key)] ?? 0) + n;
  };
  for (const hub of hubs) {
    for (const metric of await hub.metrics.registry.getMetricsAsJSON()) {
      for (const s of metric.values as Sample[]) {
        if (metric.name === "qnet_messages_total") add(messages, s.labels.type, s.value);
        else if (metric.name === "qnet_apply_outcomes_total") add(outcomes, s.labels.outcome, s.value);
        else if (metric.name === "qnet_redeliveries_total") counters.redeliveries += s.value;
        else if (metric.name === "qnet_dead_letters_total") counters.deadLetters += s.value;
        else if (s.metricName === "qnet_apply_latency_seconds_count") counters.applyLatency.count += s.value;
        else if (s.metricName === "qnet_apply_latency_seconds_sum") counters.applyLatency.sum += s.value;
      }
    }
  }
  return counters;
}
