/**
 * Fault injection, as the rest of qnet uses it: the fault table (one module per kind in kinds/,
 * each with its schema, what it does when installed and removed, and what it counts), the board of
 * faults in force, the wrappers that inject them at a participant's ports, and the transit faults a
 * memory broker injects inside itself. Scheduling faults over a run and recording what happened
 * are the scenario engine's (scenarios/run/).
 */
export { FaultBoard } from "./board.ts";
export { FaultyStore } from "./faultyStore.ts";
export { FaultyTransport, type WireTap } from "./faultyTransport.ts";
export { hearingLate } from "./heardLate.ts";
export { ms, nodeId, probability } from "./fields.ts";
export {
  applyLiveFault,
  decodeFaultControl,
  encodeFaultControl,
  FaultControl,
  LIVE_FAULT_KINDS,
  type LiveFault,
  type LiveFaultKind,
  LiveFaultSchema,
  liveFaultLabel,
} from "./live.ts";
export type { DeadLetterCopy, FaultedNetwork, FaultKind, FaultReport, PublishedRunQuery, PublishedUpdate } from "./kind.ts";
export { SkewedClock } from "./kinds/clockSkew.ts";
export { HubCrashedError } from "./kinds/hubCrash.ts";
export { MAX_HUBS } from "./kinds/replicaCrash.ts";
export { StoreStepFailedError } from "./kinds/storeFault.ts";
export { FAULT_KINDS, type Fault, type FaultKindName, FaultSchema, faultKind } from "./table.ts";
export {
  InvalidTransitPlanError,
  NO_FATE,
  reportFate,
  senderOf,
  type TransitFate,
  type TransitFaults,
  TransitInjector,
  type TransitPlan,
} from "./transit.ts";
export { TransitTransport } from "./transitTransport.ts";
