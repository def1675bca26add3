import { z } from "zod";
import { LIVE_FAULT_KINDS, LiveFaultSchema } from "../../shared/faults/mod.ts";
import { NodeId } from "../../shared/protocol/ids.ts";
import type { FaultDesk } from "../faults.ts";
import { requireToken } from "./access.ts";
import { answer, ErrorBody, ValidationErrorBody } from "./responses.ts";
import type { Api } from "./schemas.ts";

const isoTime = z.iso.datetime({ offset: true });

export const FaultWindowBody = z.strictObject({
  id: z.uuid(),
  kind: z.enum(LIVE_FAULT_KINDS as [string, ...string[]]),
  nodeId: NodeId,
  label: z.string().describe('how reports name it, e.g. "partition (both)"'),
  fault: LiveFaultSchema.describe("the fault as it was added, defaults filled in"),
  startedAt: isoTime,
  endsAt: isoTime.describe("when it heals by itself"),
  endedAt: isoTime.nullable().describe("when it healed; null while in force"),
  ended: z.enum(["expired", "removed"]).nullable().describe("how it healed; null while in force"),
});

export const FaultListBody = z.strictObject({
  items: z.array(FaultWindowBody).describe("every window this hub recorded, newest first"),
  kinds: z.array(z.string()).describe("the kinds a live fault may be"),
});

export const FaultIdParams = z.strictObject({ id: z.uuid({ message: "fault id must be a UUID" }) });

/** `GET/POST /api/faults`, `DELETE /api/faults/:id`: live faults at one site for a while (docs/api.md). */
export function registerFaults(api: Api, deps: { faults: FaultDesk; knownNodes: readonly string[]; tokens?: readonly string[] }): void {
  const known = new Set(deps.knownNodes);
  const security = (deps.tokens?.length ?? 0) > 0 ? [{ bearer: [] }] : [];
  const refused = { 401: answer("A bearer token is required", ErrorBody), 403: answer("The token is not accepted", ErrorBody) };

  api.get(
    "/api/faults",
    {
      schema: {
        tags: ["faults"],
        summary: "The live fault windows: in force and ended",
        response: { 200: answer("Every window, newest first", FaultListBody) },
      },
    },
    async () => ({ items: deps.faults.list(), kinds: [...LIVE_FAULT_KINDS] }),
  );

  api.post(
    "/api/faults",
    {
      onRequest: requireToken(deps.tokens),
      schema: {
        tags: ["faults"],
        summary: "Add a fault at one site for `for` milliseconds",
        description:
          "latency (`baseMs`, `jitterMs`), duplicate (`probability`, `maxLagMs`) and reorder (`probability`, `windowMs`) strike what the " +
          "site publishes; partition (`direction`: publish, consume or both) cuts the site off the broker; nodeCrash stops the " +
          "site's agent and starts it again at the end. The site's process heals it by itself at its end. Strict: an unknown field is a 400.",
        security,
        body: LiveFaultSchema,
        response: {
          201: {
            ...answer("Sent to the site and recorded", FaultWindowBody),
            headers: { location: { type: "string", description: "/api/faults/<id>" } },
          },
          400: answer("The body is invalid, or names an unknown site", ValidationErrorBody),
          ...refused,
        },
      },
    },
    async (request, reply) => {
      const fault = request.body;
      if (!known.has(fault.nodeId)) {
        return reply.code(400).send({ error: "invalid request", issues: [{ path: "nodeId", message: `unknown node ${fault.nodeId}` }] });
      }
      const window = await deps.faults.add(fault);
      return reply.code(201).header("location", `/api/faults/${window.id}`).send(window);
    },
  );

  api.delete(
    "/api/faults/:id",
    {
      onRequest: requireToken(deps.tokens),
      schema: {
        tags: ["faults"],
        summary: "Lift a fault now",
        description: "A fault already ended is answered as it ended.",
        security,
        params: FaultIdParams,
        response: {
          200: answer("The window, ended", FaultWindowBody),
          400: answer("The id is not a UUID", ValidationErrorBody),
          404: answer("No such fault", ErrorBody),
          ...refused,
        },
      },
    },
    async (request, reply) => {
      const window = await deps.faults.remove(request.params.id);
      if (!window) return reply.code(404).send({ error: `no fault ${request.params.id}` });
      return window;
    },
  );
}
