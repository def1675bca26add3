import { testConnection } from "../../testing/connections.ts";
import { describeWith, SERVICES } from "../../testing/services.ts";
import { transportConformance } from "../conformance.ts";
import { deleteAmqpPrefix } from "./declare.ts";
import { connectAmqp } from "./transport.ts";

await describeWith(["amqp"], "amqp", () => {
  let seq = 0;
  transportConformance("amqp", {
    make: (prefix, options) =>
      connectAmqp({ url: SERVICES.amqp.url, ...testConnection(prefix, String(seq++)), deliveryLimit: options?.deliveryLimit }),
    cleanup: (prefix, nodeIds) => deleteAmqpPrefix(SERVICES.amqp.url, prefix, nodeIds),
  });
});
