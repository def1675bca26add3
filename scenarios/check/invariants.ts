/**
 * What the checker can judge of a run, in the order it judges them: the first one broken gives
 * the counterexample, so the model's verdict on each decision comes first, then what the hub
 * did around its decisions, then the store, then what readers saw.
 */
export const INVARIANTS = [
  "model-agrees",
  "no-regression",
  "timeout-rule",
  "timeout-prompt",
  "done-prompt",
  "done-when-final",
  "ack-after-commit",
  "nack-after-fault",
  "forgeries-refused",
  "rejections-named",
  "heartbeats-heard",
  "liveness-whole",
  "graceful-stop",
  "metrics-tally",
  "duplicates-match-store",
  "conflicts-recorded",
  "stored-as-decided",
  "stored-in-order",
  "stored-once",
  "duties-once",
  "conflicts-by-ladder",
  "monotone-reads",
  "listing-agrees",
  "events-complete",
  "changes-complete",
  "display-text",
  "view-equals-model",
  "convergence",
  "no-double-count",
  "rebuild-equals-live",
  "replicas-agree",
  "obfuscation-bounds",
  "starts-from-snapshot",
  "ready-at-end",
  "ends-in-time",
  "stops-clean",
] as const;
export type InvariantName = (typeof INVARIANTS)[number];
