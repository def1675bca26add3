import { z } from "zod";
import type { FaultKind } from "./kind.ts";
import { ackDelay } from "./kinds/ackDelay.ts";
import { brokerAlarm } from "./kinds/brokerAlarm.ts";
import { clockSkew } from "./kinds/clockSkew.ts";
import { deadLetterReplay } from "./kinds/deadLetterReplay.ts";
import { dropBeforeAck } from "./kinds/dropBeforeAck.ts";
import { duplicate } from "./kinds/duplicate.ts";
import { hubCrash } from "./kinds/hubCrash.ts";
import { latency } from "./kinds/latency.ts";
import { ledgerLoss } from "./kinds/ledgerLoss.ts";
import { nackStorm } from "./kinds/nackStorm.ts";
import { nodeCrash } from "./kinds/nodeCrash.ts";
import { partition } from "./kinds/partition.ts";
import { queueFull } from "./kinds/queueFull.ts";
import { poison } from "./kinds/poison.ts";
import { reorder } from "./kinds/reorder.ts";
import { replicaCrash } from "./kinds/replicaCrash.ts";
import { staleReplay } from "./kinds/staleReplay.ts";
import { storeFault } from "./kinds/storeFault.ts";
import { twin } from "./kinds/twin.ts";

/** The fault table: every kind of fault, one module each, in the order they are listed and drawn. */
const TABLE = [
  latency,
  duplicate,
  reorder,
  dropBeforeAck,
  ackDelay,
  nackStorm,
  staleReplay,
  nodeCrash,
  hubCrash,
  twin,
  partition,
  clockSkew,
  poison,
  ledgerLoss,
  deadLetterReplay,
  storeFault,
  replicaCrash,
  brokerAlarm,
  queueFull,
] as const;

type SchemasOf<T extends readonly { schema: z.ZodType }[]> = { -readonly [I in keyof T]: T[I]["schema"] };

/** A fault as scenario files write it: the union of every kind's schema, told apart by `kind`. */
export const FaultSchema = z.discriminatedUnion("kind", TABLE.map((k) => k.schema) as SchemasOf<typeof TABLE>);
export type Fault = z.output<typeof FaultSchema>;
export type FaultKindName = Fault["kind"];

/** Every kind's name, in table order. */
export const FAULT_KINDS: readonly FaultKindName[] = TABLE.map((k) => k.schema.shape.kind.value);

const byName = new Map<string, FaultKind>(TABLE.map((k) => [k.schema.shape.kind.value, k as FaultKind]));

/** The module of a fault's kind. */
export function faultKind(name: FaultKindName): FaultKind<z.ZodType<Fault>> {
  return byName.get(name) as FaultKind<z.ZodType<Fault>>;
}
