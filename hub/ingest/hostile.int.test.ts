import fc from "fast-check";
import { expect, it } from "vitest";
import { testConnection } from "../../shared/testing/connections.ts";
import { SERVICES, describeWith, uniquePrefix } from "../../shared/testing/services.ts";
import { connectAmqp, deleteAmqpPrefix } from "../../shared/transport/amqp/mod.ts";
import { SITES } from "./testing/hostileCases.ts";
import { memoryRig, playRound, roundArb, startRig } from "./testing/hostileRig.ts";

await describeWith(["amqp"], "the hub's ingest under hostile broker input (RabbitMQ)", () => {
  it("dead-letters every hostile message with its reason, applies every valid one around them, and its view stays right", async () => {
    let run = 0;
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(roundArb({ withUsers: false, hostile: 600 }), async (round) => {
        run++;
        const prefix = uniquePrefix(`hostile${run}`);
        const connect = (name: string) => connectAmqp({ url: SERVICES.amqp.url, ...testConnection(prefix, name) });
        const hubTransport = await connect("hub");
        // One shared development user (guest): the route is what ties a message to a node here.
        const sites = await connect("sites");
        const rig = await startRig(prefix, hubTransport, () => sites, `hostile-${run}`);
        const reference = await memoryRig(`reference${run}`, `hostile-${run}`);
        try {
          cases += (await playRound(rig, reference, round, `run-${run}`, 200)).length;
        } finally {
          await rig.stop();
          await reference.close();
          await sites.close();
          await hubTransport.close();
          await deleteAmqpPrefix(SERVICES.amqp.url, prefix, [...SITES]);
        }
      }),
      { numRuns: 4, seed: Number(process.env.QNET_SEED ?? 20261124), endOnFailure: true },
    );
    expect(cases).toBeGreaterThanOrEqual(2_000);
  }, 300_000);
});
