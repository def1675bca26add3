import type { Route } from "../../ports/transport.ts";
import { type AddressKind, addressOf, type DurableSource, originNodeId, originTokens, parseAddress } from "../routing.ts";

/** The JetStream names of PROTOCOL.md section 5 under one prefix. */
export interface NatsNames {
  prefix: string;
  queriesStream: string;
  resultsStream: string;
  deadStream: string;
  /** The node processes' live faults, one subject per node. */
  controlStream: string;
  controlSubjects: string[];
  queriesSubjects: string[];
  resultsSubjects: string[];
  deadSubjects: string[];
  hubConsumer: string;
  deadConsumer: string;
  /** `<p>.heartbeat.*`: every node's heartbeats, as each hub replica reads them for itself. */
  heartbeatSubjects: string;
  nodeConsumer(nodeId: string): string;
  nodeSubject(nodeId: string): string;
  controlConsumer(nodeId: string): string;
  controlSubject(nodeId: string): string;
}

/**
 * Stream names upper-case the prefix and turn anything else into "_". Two prefixes that differ only
 * there ("a-b", "a_b") would share stream names: give networks on one server prefixes apart.
 */
export function streamPrefix(prefix: string): string {
  return prefix.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

export function natsNames(prefix: string): NatsNames {
  const p = streamPrefix(prefix);
  return {
    prefix,
    queriesStream: `${p}_QUERIES`,
    resultsStream: `${p}_RESULTS`,
    deadStream: `${p}_DEAD`,
    controlStream: `${p}_CONTROL`,
    controlSubjects: [`${prefix}.control.>`],
    queriesSubjects: [`${prefix}.query.>`],
    resultsSubjects: [`${prefix}.result.>`, `${prefix}.heartbeat.>`],
    deadSubjects: [`${prefix}.dead.>`],
    hubConsumer: "hub",
    deadConsumer: "dead",
    heartbeatSubjects: `${prefix}.heartbeat.*`,
    nodeConsumer: (nodeId) => `node-${nodeId}`,
    nodeSubject: (nodeId) => `${prefix}.query.${nodeId}`,
    controlConsumer: (nodeId) => `control-${nodeId}`,
    controlSubject: (nodeId) => `${prefix}.control.${nodeId}`,
  };
}

export function routeSubject(names: NatsNames, route: Route): string {
  if (route.to === "dead") return `${names.prefix}.dead.${originTokens(route.origin)}`;
  return `${names.prefix}.${addressOf(route)}`;
}

/** The stream and durable consumer a source reads; heartbeats are read by core subscription instead (beats.ts). */
export function sourceConsumer(names: NatsNames, source: DurableSource): { stream: string; consumer: string } {
  switch (source.from) {
    case "node":
      return { stream: names.queriesStream, consumer: names.nodeConsumer(source.nodeId) };
    case "control":
      return { stream: names.controlStream, consumer: names.controlConsumer(source.nodeId) };
    case "hub":
      return { stream: names.resultsStream, consumer: names.hubConsumer };
    case "dead":
      return { stream: names.deadStream, consumer: names.deadConsumer };
  }
}

/** What a subject says about a message; a dead letter's subject carries its origin after "dead.". */
export function readSubject(
  names: NatsNames,
  subject: string,
): { kind: AddressKind | "dead" | undefined; nodeId: string | undefined; address: string } {
  const head = `${names.prefix}.`;
  const address = subject.startsWith(head) ? subject.slice(head.length) : subject;
  if (address.startsWith("dead.")) return { kind: "dead", nodeId: originNodeId(address.slice(5)), address };
  const parsed = parseAddress(address);
  return { kind: parsed?.kind, nodeId: parsed?.nodeId, address };
}
