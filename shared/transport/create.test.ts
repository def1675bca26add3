import { describe, expect, it } from "vitest";
import { loadConfig } from "../config.ts";
import { silentLogger } from "../log.ts";
import { SeededRandom } from "../time/seededRandom.ts";
import { systemClock } from "../time/systemClock.ts";
import { createTransport } from "./create.ts";

const deps = { clock: systemClock, random: new SeededRandom("create"), log: silentLogger, connectRetries: 1 };

describe("createTransport", () => {
  it("gives the in-memory transport by default", async () => {
    const t = await createTransport(loadConfig({}), deps);
    expect(t.name).toBe("memory");
    expect(t.connected()).toBe(true);
    await t.close();
  });

  it("names the RabbitMQ URL it could not reach, without its password", async () => {
    const config = loadConfig({ QNET_TRANSPORT: "amqp", AMQP_URL: "amqp://guest:secret@127.0.0.1:1" });
    const failure = await createTransport(config, deps).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(failure?.message).toMatch(/RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1 could not be reached/);
    expect(failure?.message).not.toContain("secret");
  });

  it("names the NATS URL it could not reach", async () => {
    const config = loadConfig({ QNET_TRANSPORT: "nats", NATS_URL: "nats://127.0.0.1:1" });
    await expect(createTransport(config, deps)).rejects.toThrow(/NATS at nats:\/\/127\.0\.0\.1:1 could not be reached/);
  });
});
