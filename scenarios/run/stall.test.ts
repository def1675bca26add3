import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

/** A process that runs `body` after failOnStall, as the scenario commands do. */
function runWith(body: string) {
  const script = `import { failOnStall } from "./scenarios/run/stall.ts"; failOnStall(() => "some-scenario"); ${body}`;
  return spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" });
}

describe("failOnStall", () => {
  it("fails a process whose event loop empties before its work resolves, naming the run", () => {
    const out = runWith("new Promise(() => {}).then(() => process.exit(0));");
    expect(out.status).toBe(1);
    expect(out.stdout).toContain("some-scenario FAIL stalled");
  });

  it("leaves a process that exits by itself alone", () => {
    const out = runWith("setTimeout(() => process.exit(0), 10);");
    expect(out.status).toBe(0);
    expect(out.stdout).toBe("");
  });
});
