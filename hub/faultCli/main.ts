import { loadConfig } from "../../shared/config.ts";
import type { FaultWindow } from "../faults.ts";
import { type LiveHub, liveHubOf } from "../rebuild/live.ts";
import { describeWindow, FAULT_USAGE, type FaultCommand, FaultUsageError, parseFaultArgs } from "./args.ts";

async function call(hub: LiveHub, method: string, path: string, body?: unknown): Promise<unknown> {
  const url = `${hub.url.replace(/\/+$/, "")}${path}`;
  const headers: Record<string, string> = { accept: "application/json" };
  if (hub.token) headers.authorization = `Bearer ${hub.token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }).catch(
    (err: Error) => {
      throw new Error(`no hub answers at ${url}: ${(err.cause as Error | undefined)?.message ?? err.message}`);
    },
  );
  const answer = (await response.json().catch(() => undefined)) as
    | { error?: string; issues?: { path: string; message: string }[] }
    | undefined;
  if (!response.ok) {
    const issues = answer?.issues?.map((i) => `${i.path}: ${i.message}`).join("; ");
    throw new Error(`${method} ${url} answered ${response.status}: ${issues ?? answer?.error ?? "no reason given"}`);
  }
  return answer;
}

async function run(command: Exclude<FaultCommand, { verb: "help" }>, hub: LiveHub): Promise<string> {
  if (command.verb === "add") return `added ${describeWindow((await call(hub, "POST", "/api/faults", command.fault)) as FaultWindow)}`;
  if (command.verb === "remove")
    return `removed ${describeWindow((await call(hub, "DELETE", `/api/faults/${encodeURIComponent(command.id)}`)) as FaultWindow)}`;
  const { items } = (await call(hub, "GET", "/api/faults")) as { items: FaultWindow[] };
  return items.length === 0 ? "no fault windows recorded" : items.map(describeWindow).join("\n");
}

/** `npm run fault`: add, list and remove live faults through a running hub's API. Exit 0 done, 1 refused or unreachable, 2 usage. */
async function main(): Promise<number> {
  let command: FaultCommand;
  try {
    command = parseFaultArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof FaultUsageError)) throw err;
    process.stderr.write(`fault: ${err.message}\n${FAULT_USAGE}\n`);
    return 2;
  }
  if (command.verb === "help") {
    process.stdout.write(`${FAULT_USAGE}\n`);
    return 0;
  }
  try {
    const hub = liveHubOf(loadConfig(), process.env.QNET_HUB_URL);
    process.stdout.write(`${await run(command, hub)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`fault: ${(err as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await main();
