import { silentLogger } from "../../log.ts";
import { describeWith, SERVICES } from "../../testing/services.ts";
import { SeededRandom } from "../../time/seededRandom.ts";
import { systemClock } from "../../time/systemClock.ts";
import { transportConformance } from "../conformance.ts";
import { connectNats, deleteNatsPrefix } from "./transport.ts";

await describeWith(["nats"], "nats", () => {
  let seq = 0;
  transportConformance("nats", {
    make: (prefix, options) =>
      connectNats({
        url: SERVICES.nats.url,
        prefix,
        clock: systemClock,
        random: new SeededRandom(`${prefix}-${seq}`),
        log: silentLogger,
        deliveryLimit: options?.deliveryLimit,
        // A closed transport's deliveries come back after the ack wait, which must fit the suite's wait.
        ackWaitMs: 2_000,
        connectionName: `${prefix}-${seq++}`,
      }),
    cleanup: (prefix) => deleteNatsPrefix(SERVICES.nats.url, prefix),
  });
});
