import { testConnection } from "../../testing/connections.ts";
import { describeWith, SERVICES } from "../../testing/services.ts";
import { transportConformance } from "../conformance.ts";
import { connectNats, deleteNatsPrefix } from "./transport.ts";

await describeWith(["nats"], "nats", () => {
  let seq = 0;
  transportConformance("nats", {
    make: (prefix, options) =>
      connectNats({
        url: SERVICES.nats.url,
        ...testConnection(prefix, String(seq++)),
        deliveryLimit: options?.deliveryLimit,
        // A closed transport's deliveries come back after the ack wait, which must fit the suite's wait.
        ackWaitMs: 2_000,
      }),
    cleanup: (prefix) => deleteNatsPrefix(SERVICES.nats.url, prefix),
  });
});
