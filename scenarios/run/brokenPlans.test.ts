import { describe, expect, it } from "vitest";
import type { InvariantName } from "../check/invariants.ts";
import { findScenario } from "../library/index.ts";
import type { Scenario } from "../schema.ts";
import { BROKEN_RULES, type BrokenRule } from "./brokenPlans.ts";
import { runScenario } from "./runner.ts";

const shipped = (name: string): Scenario => {
  const s = findScenario(name);
  if (!s) throw new Error(`no scenario ${name}`);
  return s;
};

/**
 * Per rule taken out: a scenario that makes the rule fire, what the first divergence from the
 * model says (the rule's effect), and the other invariants that catch it on their own.
 */
const CASES: Record<BrokenRule, { scenario: () => Scenario; effect: RegExp; alsoBroken: InvariantName[] }> = {
  "no-admission": {
    scenario: () => shipped("poison"),
    effect: /the hub decided applied, stores v\d+, .*; the model decides rejected \((unknown query|query \S+ was not sent to node)/,
    alsoBroken: [],
  },
  "duplicate-as-conflict": {
    scenario: () => shipped("drop-before-ack"),
    effect: /the hub decided conflict-discarded, current .*; the model decides duplicate, current/,
    alsoBroken: [],
  },
  "never-rebase": {
    scenario: () => shipped("ledger-loss"),
    effect: /the hub decided conflict-discarded, current \w+ v\d+; the model decides conflict-rebased, stores v\d+, current \w+ v\d+/,
    alsoBroken: ["conflicts-by-ladder", "convergence"],
  },
  "always-rebase": {
    scenario: () => shipped("twin-writers"),
    effect: /the hub decided conflict-rebased, stores v\d+, current .*; the model decides conflict-discarded, current/,
    alsoBroken: ["conflicts-by-ladder"],
  },
  "rebase-in-place": {
    scenario: () => shipped("ledger-loss"),
    effect: /proposal \w+ v(\d+).*: the hub decided conflict-rebased, stores v\1, .*; the model decides conflict-rebased, stores v\d+/,
    alsoBroken: ["stored-once", "conflicts-by-ladder"],
  },
  "late-as-current": {
    scenario: () => shipped("latency-jitter"),
    effect: /the hub decided applied, stores v(\d+), current \w+ v\1.*; the model decides applied-late, stores v\1, current/,
    alsoBroken: ["no-regression"],
  },
  "no-timeout": {
    scenario: () => shipped("node-crash"),
    effect:
      /the hub's proposal timedOut v\d+: the hub decided duplicate, current \w+ v\d+; the model decides applied, stores v\d+, current timedOut/,
    alsoBroken: ["convergence"],
  },
  "timeout-wins": {
    scenario: () => shipped("timeouts"),
    effect:
      /the node's proposal (completed|failed) v\d+.*: the hub decided (applied-late|conflict-discarded).*current timedOut v\d+; the model decides (applied|conflict-rebased)/,
    // The view is not fooled: fed by the store, it shows the stored state of highest precedence,
    // and the late final is stored (applied-late), so only the hub's own decision is wrong.
    alsoBroken: ["timeout-rule"],
  },
};

describe("a hub with one rule of PROTOCOL.md section 3 taken out", () => {
  for (const rule of BROKEN_RULES) {
    const { scenario, effect, alsoBroken } = CASES[rule];
    it(`fails the checker without ${rule}, with a counterexample naming the rule's effect`, async () => {
      const s = scenario();
      const result = await runScenario(s, { policy: rule });
      expect(result.verdict.ok).toBe(false);
      expect(result.verdict.counterexample?.invariant).toBe("model-agrees");
      expect(result.verdict.counterexample?.message).toMatch(effect);
      const broken = new Set(result.verdict.violations.map((v) => v.invariant));
      for (const invariant of alsoBroken) expect(broken, `${rule} on ${s.name} also breaks ${invariant}`).toContain(invariant);
    });
  }
});
