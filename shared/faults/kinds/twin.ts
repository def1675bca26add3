import { z } from "zod";
import type { Delivery } from "../../ports/transport.ts";
import { nodeId, window } from "../fields.ts";
import { defineFault } from "../kind.ts";

export const MIRRORED = "delivery taken by its twin too";

/**
 * A second agent runs as the same node for the window: two writers of the same results. With
 * `ownSeed` it is a site of its own (other patients, so other counts), as a misconfigured second
 * install would be; without, it counts as the node does and differs only in its timing.
 */
export const twin = defineFault({
  schema: z.strictObject({ kind: z.literal("twin"), ...window, nodeId, ownSeed: z.boolean().default(false) }),
  counts: [MIRRORED],
  describe: (f) => ({ label: f.ownSeed ? "twin agent, own seed" : "twin agent", nodeId: f.nodeId }),
  install: (f, network) => network.startTwin(f.nodeId, { ownSeed: f.ownSeed }),
  remove: (f, network) => network.stopTwin(f.nodeId),
});

/** A copy of a delivery for the twin: settling it does nothing, the original is settled by its own consumer. */
export function mirroredCopy(d: Delivery): Delivery {
  return {
    body: d.body,
    messageId: d.messageId,
    routeNodeId: d.routeNodeId,
    routeKind: d.routeKind,
    authenticatedUser: d.authenticatedUser,
    headers: d.headers,
    redelivered: d.redelivered,
    deliveryCount: d.deliveryCount,
    deadReason: d.deadReason,
    ack: async () => {},
    nack: async () => {},
    deadLetter: async () => {},
  };
}
