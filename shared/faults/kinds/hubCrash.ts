import { z } from "zod";
import { window } from "../fields.ts";
import { defineFault } from "../kind.ts";
import { RESTARTED } from "./nodeCrash.ts";

export const DOWN = "down";

/**
 * The hub is down for the window: it takes no delivery; then it crashes and a new hub starts over
 * the same store, rebuilding its view from it.
 */
export const hubCrash = defineFault({
  schema: z.strictObject({ kind: z.literal("hubCrash"), ...window }),
  counts: [DOWN, RESTARTED],
  describe: () => ({ label: "hub down" }),
  install: (_f, network) => {
    network.board.partition("hub", ["consume"]);
    network.faulted("hub", DOWN);
  },
  remove: async (_f, network) => {
    // Heal first, in the same turn as the crash closes the connection: the deliveries the old hub
    // held then die with it instead of keeping its shutdown waiting.
    network.board.heal("hub");
    network.faulted("hub", RESTARTED);
    await network.restartHub();
  },
});
