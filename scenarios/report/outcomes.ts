/** How the reports colour a decision of the hub's store, by outcome. */
export const OUTCOME_COLOURS: Record<string, string> = {
  applied: "#2a9d4b",
  "applied-late": "#e09b20",
  duplicate: "#7d848b",
  "conflict-rebased": "#8e44ad",
  "conflict-discarded": "#c0392b",
  rejected: "#111",
};

export const outcomeColour = (outcome: string | undefined) => OUTCOME_COLOURS[outcome ?? ""] ?? "#000";

/** The anchor of a decision in the report, the link the counterexample points at. */
export const decisionAnchor = (n: number) => `decision-${n}`;
