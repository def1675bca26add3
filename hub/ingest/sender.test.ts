import { describe, expect, it } from "vitest";
import { messageRefusal } from "../../shared/apply/admission.ts";
import type { Message } from "../../shared/protocol/messages.ts";
import { hubBrokerUser, nodeBrokerUser, nodeIdOfBrokerUser } from "../../trust/identity.ts";
import { userNodeIdOf } from "./sender.ts";

const queryId = "0b6f2a43-51c1-4a38-9a4e-2f0c7a1e5d11";
const at = "2026-01-01T00:00:00.000Z";

function update(nodeId: string, resultNodeId = nodeId): Message {
  return {
    type: "result-update",
    messageId: "6a0c1d57-2f5b-4f0e-8d7a-3e6b1f2c9a40",
    sentAt: at,
    nodeId,
    result: {
      id: `${queryId}:${resultNodeId}`,
      queryId,
      nodeId: resultNodeId,
      versionInfo: { protocolVersion: 1, itemVersion: 3, createDate: at, changeDate: at },
      status: "running",
      progress: 0.5,
    },
  };
}

const onRoute = (nodeId: string, authenticatedUser?: string) => ({ routeKind: "result" as const, routeNodeId: nodeId, authenticatedUser });
/** Who may write, as ingest asks it: with the node the delivery's broker user speaks for. */
const senderProblem = (message: Message, route: ReturnType<typeof onRoute>) => messageRefusal(message, route, userNodeIdOf(route));

describe("the sender's identity", () => {
  it("accepts a node speaking in its own name as its own broker user", () => {
    expect(senderProblem(update("site-a"), onRoute("site-a", nodeBrokerUser("qnet", "site-a")))).toBeUndefined();
  });

  it("refuses a node's broker user speaking for another node, even on that node's route", () => {
    expect(senderProblem(update("site-b"), onRoute("site-b", nodeBrokerUser("qnet", "site-a")))).toBe(
      "nodeId site-b differs from the node of the authenticated broker user qnet.node.site-a (site-a)",
    );
  });

  it("lets a user that speaks for no one node (guest, the hub) rely on the route alone", () => {
    expect(senderProblem(update("site-a"), onRoute("site-a", "guest"))).toBeUndefined();
    expect(senderProblem(update("site-a"), onRoute("site-a", "qnet.hub"))).toBeUndefined();
    expect(senderProblem(update("site-a"), onRoute("site-b", "guest"))).toBe("nodeId site-a differs from the sender's route (site-b)");
  });

  it("refuses a result in another node's name inside an envelope in one's own", () => {
    expect(senderProblem(update("site-a", "site-b"), onRoute("site-a", nodeBrokerUser("qnet", "site-a")))).toBe(
      "result.nodeId site-b differs from the message nodeId site-a",
    );
  });
});

describe("broker user names (trust/identity.ts)", () => {
  it("reads a node's user back to its node id", () => {
    expect(nodeIdOfBrokerUser(nodeBrokerUser("qnet", "hospital-a"))).toBe("hospital-a");
    expect(nodeIdOfBrokerUser(nodeBrokerUser("t1x_y-z", "node-7"))).toBe("node-7");
  });

  it("reads no node from users that are not a node's", () => {
    for (const user of ["guest", "hospital-a", hubBrokerUser("qnet"), "qnet.node.", "qnet.node.Bad", "qnet.node.a.b", "x.y.node.a"]) {
      expect(nodeIdOfBrokerUser(user)).toBeUndefined();
    }
  });
});
