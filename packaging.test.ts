import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInbox, nuid } from "@nats-io/transport-node";
import Fastify from "fastify";
import semver from "semver";
import { describe, expect, it } from "vitest";

const ROOT = import.meta.dirname;
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");
const pkg = JSON.parse(read("package.json")) as { engines: { node: string }; overrides: Record<string, unknown> };
const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, { version?: string; engines?: unknown }> };
const declared = pkg.engines.node;

/** The Node versions a locked package declares it runs on, if it says. */
function nodeEngines(engines: unknown): string | undefined {
  return engines && typeof engines === "object" && !Array.isArray(engines) ? (engines as { node?: string }).node : undefined;
}

describe("package.json engines says which Node qnet runs on, and every dependency agrees", () => {
  it("every package in package-lock.json, on every platform, runs on every Node version engines declares", () => {
    const excluding = Object.entries(lock.packages).flatMap(([path, p]) => {
      const range = nodeEngines(p.engines);
      return path && range && !semver.subset(declared, range) ? [`${path}@${p.version} wants node ${range}`] : [];
    });
    expect(excluding, `not every Node in "${declared}"`).toEqual([]);
  });

  it("the Node running this and the Dockerfile's base images lie within it", () => {
    expect(semver.satisfies(process.version, declared), `${process.version} in ${declared}`).toBe(true);
    const images = [...read("Dockerfile").matchAll(/^FROM node:(\d+(?:\.\d+){0,2})-\S+/gm)].map((m) => m[1] as string);
    expect(images.length).toBeGreaterThan(0);
    // A tag such as 20.20 pulls the newest 20.20.x: every one of them must be within engines.
    for (const tag of images) expect(semver.subset(tag, declared), `node:${tag} in ${declared}`).toBe(true);
  });
});

describe("the overridden packages give their dependents what these use (package.json overrides)", () => {
  it("@nats-io/nuid 2 gives the NATS client its ids", () => {
    expect(pkg.overrides).toHaveProperty("@nats-io/nuid");
    const ids = [nuid.next(), nuid.next(), createInbox().replace(/^_INBOX\./, "")];
    for (const id of ids) expect(id).toMatch(/^[0-9A-Za-z]{22}$/);
    expect(new Set(ids).size).toBe(3);
  });

  it("cookie 1 gives fastify's inject (light-my-request) the Cookie header it sends", async () => {
    expect(pkg.overrides).toHaveProperty("light-my-request");
    const app = Fastify();
    app.get("/", async (request) => ({ cookie: request.headers.cookie }));
    const response = await app.inject({ method: "GET", url: "/", cookies: { session: "a b", theme: "dark" } });
    expect(response.json()).toEqual({ cookie: "session=a%20b; theme=dark" });
    await app.close();
  });
});
