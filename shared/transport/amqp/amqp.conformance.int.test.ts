import { silentLogger } from "../../log.ts";
import { describeWith, SERVICES } from "../../testing/services.ts";
import { SeededRandom } from "../../time/seededRandom.ts";
import { systemClock } from "../../time/systemClock.ts";
import { transportConformance } from "../conformance.ts";
import { deleteAmqpPrefix } from "./declare.ts";
import { connectAmqp } from "./transport.ts";

await describeWith(["amqp"], "amqp", () => {
  let seq = 0;
  transportConformance("amqp", {
    make: (prefix, options) =>
      connectAmqp({
        url: SERVICES.amqp.url,
        prefix,
        clock: systemClock,
        random: new SeededRandom(`${prefix}-${seq}`),
        log: silentLogger,
        deliveryLimit: options?.deliveryLimit,
        connectionName: `${prefix}-${seq++}`,
      }),
    cleanup: (prefix, nodeIds) => deleteAmqpPrefix(SERVICES.amqp.url, prefix, nodeIds),
  });
});
