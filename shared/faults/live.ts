import { z } from "zod";
import { describeIssues } from "../protocol/messages.ts";
import { ms, nodeId } from "./fields.ts";
import type { FaultedNetwork } from "./kind.ts";
import { duplicate } from "./kinds/duplicate.ts";
import { latency } from "./kinds/latency.ts";
import { nodeCrash } from "./kinds/nodeCrash.ts";
import { partition } from "./kinds/partition.ts";
import { reorder } from "./kinds/reorder.ts";
import type { Fault } from "./table.ts";
import { faultKind } from "./table.ts";

/**
 * Faults an operator adds to a running network, each at one site for a while: the kinds of the
 * fault table that a site's own process can play on itself, with the table's own fields, minus the
 * scenario's `at` (a live fault starts when it is added) and with the site named. The site's
 * process installs and removes it with the table's own code (`applyLiveFault`), so a fault does on
 * a running network what it does in a scenario.
 */
const atSite = { nodeId, for: ms.min(1) };
export const LiveFaultSchema = z.discriminatedUnion("kind", [
  latency.schema.omit({ at: true }).extend(atSite),
  duplicate.schema.omit({ at: true }).extend(atSite),
  reorder.schema.omit({ at: true }).extend(atSite),
  partition.schema.omit({ at: true }).extend(atSite),
  nodeCrash.schema.omit({ at: true, loseState: true }).extend(atSite),
]);
export type LiveFault = z.output<typeof LiveFaultSchema>;
export type LiveFaultKind = LiveFault["kind"];
export const LIVE_FAULT_KINDS: readonly LiveFaultKind[] = LiveFaultSchema.options.map((o) => o.shape.kind.value);

const asTable = new WeakMap<LiveFault, Fault>();

/**
 * The table's fault for a live one: in force from now, for its window, at the site it names. The
 * same object each time for one live fault, as the board knows a window by its fault object.
 */
function asTableFault(fault: LiveFault): Fault {
  let table = asTable.get(fault);
  if (!table) {
    // The site's own board carries a transit fault, so the site named beside it changes nothing the kind reads.
    table = (fault.kind === "nodeCrash" ? { ...fault, at: 0, loseState: false } : { ...fault, at: 0 }) as Fault;
    asTable.set(fault, table);
  }
  return table;
}

/** How the fault windows name a live fault ("latency", "partition (both)", "crash"). */
export function liveFaultLabel(fault: LiveFault): string {
  return faultKind(fault.kind).describe(asTableFault(fault)).label;
}

/**
 * What a site's process does with a live fault; lift it with the object it was applied with. The network is the site's own: its board is the
 * one around the site's ports, so transit faults (latency, duplication, reordering) strike what
 * the site publishes, a partition cuts the site off, a crash stops the site's agent.
 */
export async function applyLiveFault(action: "apply" | "lift", fault: LiveFault, network: FaultedNetwork): Promise<void> {
  const kind = faultKind(fault.kind);
  if (!("install" in kind)) throw new Error(`${fault.kind} is not a window fault`);
  const tableFault = asTableFault(fault);
  if (action === "apply") await kind.install(tableFault, network);
  else await kind.remove(tableFault, network);
}

/**
 * The control message the hub publishes to a site's control destination (`<p>.control.<nodeId>`):
 * apply a fault until `until` (epoch ms; the site lifts it then by itself, so a fault ends even if
 * the hub goes away), or lift it now. `faultId` ties the lift to its apply.
 */
export const FaultControl = z.discriminatedUnion("action", [
  z.strictObject({
    type: z.literal("fault-control"),
    action: z.literal("apply"),
    faultId: z.uuid(),
    until: z.number().int().min(0),
    fault: LiveFaultSchema,
  }),
  z.strictObject({ type: z.literal("fault-control"), action: z.literal("lift"), faultId: z.uuid(), fault: LiveFaultSchema }),
]);
export type FaultControl = z.output<typeof FaultControl>;

export function encodeFaultControl(message: FaultControl): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(message));
}

export function decodeFaultControl(body: Uint8Array): { ok: true; message: FaultControl } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return { ok: false, reason: "not JSON" };
  }
  const parsed = FaultControl.safeParse(json);
  return parsed.success ? { ok: true, message: parsed.data } : { ok: false, reason: describeIssues(parsed.error) };
}
