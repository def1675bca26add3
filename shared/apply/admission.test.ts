import { describe, expect, it } from "vitest";
import type { Proposal } from "../ports/store.ts";
import type { Message } from "../protocol/messages.ts";
import type { ResultStatus } from "../protocol/status.ts";
import { hubProposal, nodeProposal, queryState, resultState } from "../store/testing/proposals.ts";
import { messageRefusal, proposalRefusal, type SenderRoute } from "./admission.ts";

const Q = "0b6f2a43-51c1-4a38-9a4e-2f0c7a1e5d11";
const AT = "2026-01-01T00:00:00.000Z";

function update(nodeId: string, extra: { resultNodeId?: string; status?: ResultStatus } = {}): Message {
  return {
    type: "result-update",
    messageId: "6a0c1d57-2f5b-4f0e-8d7a-3e6b1f2c9a40",
    sentAt: AT,
    nodeId,
    result: resultState(Q, extra.resultNodeId ?? nodeId, 3, extra.status ?? "running", { progress: 0.5 }),
  };
}

const heartbeat = (nodeId: string): Message => ({
  type: "node-heartbeat",
  messageId: "7b1d2e68-3a6c-4a1f-9e8b-4f7c2a3d0b51",
  sentAt: AT,
  nodeId,
  activeQueries: 0,
});

const route = (routeKind: SenderRoute["routeKind"], routeNodeId?: string, authenticatedUser?: string): SenderRoute => ({
  routeKind,
  routeNodeId,
  authenticatedUser,
});

describe("who may send a message to the hub", () => {
  it("admits a node speaking in its own name on its own route, as its own user or a user that speaks for no one node", () => {
    expect(messageRefusal(update("site-a"), route("result", "site-a", "u-a"), "site-a")).toBeUndefined();
    expect(messageRefusal(update("site-a"), route("result", "site-a", "guest"), undefined)).toBeUndefined();
    expect(messageRefusal(heartbeat("site-a"), route("heartbeat", "site-a"), undefined)).toBeUndefined();
  });

  it("admits what a transport that tells no route delivers, on the message's word alone", () => {
    expect(messageRefusal(update("site-a"), route(undefined), undefined)).toBeUndefined();
  });

  it("refuses a run-query: it goes from the hub to the nodes", () => {
    const runQuery: Message = {
      type: "run-query",
      messageId: "6a0c1d57-2f5b-4f0e-8d7a-3e6b1f2c9a41",
      sentAt: AT,
      query: queryState(Q, 1, "created", ["site-a"]),
      result: resultState(Q, "site-a", 1, "sentToNode"),
    };
    expect(messageRefusal(runQuery, route("result", "site-a"), undefined)).toBe("run-query is a hub-to-node message, not for the hub");
  });

  it("refuses a message on another kind of route", () => {
    expect(messageRefusal(update("site-a"), route("heartbeat", "site-a"), undefined)).toBe(
      "result-update arrived on the heartbeat route, expected result",
    );
    expect(messageRefusal(heartbeat("site-a"), route("result", "site-a"), undefined)).toBe(
      "node-heartbeat arrived on the result route, expected heartbeat",
    );
  });

  it("refuses a node speaking for another node: on another's route, or as another's broker user", () => {
    expect(messageRefusal(update("site-a"), route("result", "site-b", "guest"), undefined)).toBe(
      "nodeId site-a differs from the sender's route (site-b)",
    );
    expect(messageRefusal(update("site-b"), route("result", "site-b", "u-a"), "site-a")).toBe(
      "nodeId site-b differs from the node of the authenticated broker user u-a (site-a)",
    );
  });

  it("refuses a result in another node's name inside an envelope in one's own", () => {
    expect(messageRefusal(update("site-a", { resultNodeId: "site-b" }), route("result", "site-a"), "site-a")).toBe(
      "result.nodeId site-b differs from the message nodeId site-a",
    );
  });

  it("refuses a status only the hub sets", () => {
    for (const status of ["created", "sentToNode", "timedOut"] as const) {
      expect(messageRefusal(update("site-a", { status }), route("result", "site-a"), undefined)).toBe(
        `status ${status} is set by the hub, not by a node`,
      );
    }
  });
});

describe("who may write a proposal, by what is stored", () => {
  const sent = [resultState(Q, "site-a", 1, "sentToNode")];
  const known = () => true;
  const unknown = () => false;

  it("admits a node's result of a known query that was sent to it", () => {
    expect(proposalRefusal(nodeProposal(resultState(Q, "site-a", 2, "running")), sent, known)).toBeUndefined();
  });

  it("refuses a node's result for an unknown query, asking only about its own query", () => {
    const asked: string[] = [];
    const reason = proposalRefusal(nodeProposal(resultState(Q, "site-a", 2, "running")), [], (q) => {
      asked.push(q);
      return false;
    });
    expect(reason).toBe(`unknown query ${Q}`);
    expect(asked).toEqual([Q]);
  });

  it("refuses a node's result for a query not sent to it", () => {
    expect(proposalRefusal(nodeProposal(resultState(Q, "site-z", 2, "running")), [], known)).toBe(`query ${Q} was not sent to node site-z`);
  });

  it("refuses a node's proposal of anything but a result", () => {
    const query: Proposal = { kind: "query", state: queryState(Q, 2, "done", ["site-a"]), origin: "node" };
    expect(proposalRefusal(query, [], known)).toBe("a node proposes results only");
  });

  it("never refuses the hub's own writes, even of an unknown query's first state", () => {
    expect(proposalRefusal(hubProposal("result", resultState(Q, "site-a", 1, "created")), [], unknown)).toBeUndefined();
    expect(proposalRefusal(hubProposal("query", queryState(Q, 1, "created", ["site-a"])), [], unknown)).toBeUndefined();
  });
});
