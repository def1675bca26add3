import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { cruise, type ICruiseResult, type IForbiddenRuleType } from "dependency-cruiser";
import { describe, expect, it } from "vitest";

/** The rules `npm run lint` checks, as .dependency-cruiser.cjs gives them. */
const config = createRequire(import.meta.url)("./.dependency-cruiser.cjs") as {
  forbidden: IForbiddenRuleType[];
  options: { tsPreCompilationDeps: boolean; exclude: { path: string }; doNotFollow: { path: string }; enhancedResolveOptions: object };
};

/**
 * The rules each import of a throwaway tree breaks: `files` maps a path to what it imports, every
 * path is written, and the tree is cruised with the project's rules. Every import is `import type`,
 * which compiles to nothing: the rules see those too.
 */
async function violations(files: Record<string, string[]>): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), "qnet-layers-"));
  try {
    const all = new Set([...Object.keys(files), ...Object.values(files).flat()]);
    for (const path of all) {
      const imports = (files[path] ?? []).map((to) => `import type { X as ${to.replace(/\W/g, "_")} } from "${relative(path, to)}";`);
      await mkdir(join(dir, dirname(path)), { recursive: true });
      await writeFile(join(dir, path), `${imports.join("\n")}\nexport type X = number;\n`);
    }
    const { tsPreCompilationDeps, exclude, doNotFollow, enhancedResolveOptions } = config.options;
    const result = await cruise(["."], {
      baseDir: dir,
      validate: true,
      ruleSet: { forbidden: config.forbidden },
      tsPreCompilationDeps,
      exclude,
      doNotFollow,
      enhancedResolveOptions,
    });
    const output = result.output as ICruiseResult;
    return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function relative(from: string, to: string): string {
  return `${"../".repeat(from.split("/").length - 1)}${to}`;
}

describe("the layer rules of npm run lint", () => {
  it("pass imports that point down, test files included", async () => {
    expect(
      await violations({
        "trust/identity.ts": ["shared/log.ts"],
        "hub/hub.ts": ["shared/log.ts", "trust/identity.ts"],
        "node-agent/agent.ts": ["shared/log.ts", "trust/identity.ts"],
        "cluster/embedded/network.ts": ["hub/hub.ts", "node-agent/agent.ts"],
        "scenarios/run/runner.ts": ["cluster/embedded/network.ts", "hub/hub.ts", "node-agent/agent.ts"],
        "bench/main.ts": ["scenarios/run/runner.ts", "cluster/embedded/network.ts", "shared/log.ts"],
        "hub/metrics.test.ts": ["hub/hub.ts", "shared/log.ts"],
      }),
    ).toEqual([]);
  });

  it("fail an import that points up or sideways, each naming the rule of the folder it leaves", async () => {
    expect(
      await violations({
        "shared/testing/processes.ts": ["cluster/child.ts"],
        "trust/identity.ts": ["hub/hub.ts"],
        "hub/http/app.test.ts": ["node-agent/profile.ts"],
        "hub/view/statusView.ts": ["cluster/embedded/network.ts"],
        "node-agent/agent.ts": ["hub/hub.ts"],
        "cluster/main.ts": ["scenarios/run/runner.ts"],
        "scenarios/cli.ts": ["bench/main.ts"],
      }),
    ).toEqual([
      "cluster-imports-only-below: cluster/main.ts -> scenarios/run/runner.ts",
      "hub-imports-only-below: hub/http/app.test.ts -> node-agent/profile.ts",
      "hub-imports-only-below: hub/view/statusView.ts -> cluster/embedded/network.ts",
      "node-agent-imports-only-below: node-agent/agent.ts -> hub/hub.ts",
      "scenarios-imports-only-below: scenarios/cli.ts -> bench/main.ts",
      "shared-imports-only-below: shared/testing/processes.ts -> cluster/child.ts",
      "trust-imports-only-below: trust/identity.ts -> hub/hub.ts",
    ]);
  });

  it("fail both sides of a cycle between two folders", async () => {
    expect(await violations({ "hub/hub.ts": ["node-agent/agent.ts"], "node-agent/agent.ts": ["hub/hub.ts"] })).toEqual([
      "hub-imports-only-below: hub/hub.ts -> node-agent/agent.ts",
      "node-agent-imports-only-below: node-agent/agent.ts -> hub/hub.ts",
    ]);
  });

  it("fail the checker's import of what it judges, directly or through another module, and pass the runner's", async () => {
    expect(
      await violations({
        "scenarios/check/model/model.ts": ["shared/apply/decide.ts"],
        "scenarios/check/checker.ts": ["scenarios/schema.ts", "shared/protocol/ids.ts"],
        "scenarios/schema.ts": ["shared/protocol/items.ts"],
        "shared/protocol/items.ts": ["shared/protocol/status.ts", "shared/protocol/ids.ts"],
        "scenarios/check/replay.test.ts": ["hub/view/statusView.ts"],
        "scenarios/run/evidence.ts": ["hub/view/rebuild.ts", "shared/store/memory.ts", "scenarios/check/checker.ts"],
      }),
    ).toEqual([
      "checker-is-independent: scenarios/check/checker.ts -> shared/protocol/status.ts",
      "checker-is-independent: scenarios/check/model/model.ts -> shared/apply/decide.ts",
      "checker-is-independent: scenarios/check/replay.test.ts -> hub/view/statusView.ts",
    ]);
  });

  it("fail an import of a top-level folder that has no place in the layers yet, and every import from it", async () => {
    expect(await violations({ "hub/hub.ts": ["network/embedded.ts"], "network/embedded.ts": ["shared/log.ts"] })).toEqual([
      "every-folder-has-a-layer: network/embedded.ts -> shared/log.ts",
      "every-import-has-a-layer: hub/hub.ts -> network/embedded.ts",
    ]);
  });

  it("fail an import past a folder's mod.ts from outside it, and pass one through it", async () => {
    expect(
      await violations({
        "hub/main.ts": ["shared/transport/mod.ts", "shared/transport/amqp/transport.ts"],
        "scenarios/run/network.ts": ["shared/faults/mod.ts", "shared/faults/kinds/twin.ts"],
        "shared/transport/registry.ts": ["shared/transport/amqp/transport.ts"],
        "cluster/broker.test.ts": ["shared/transport/testing/stubBroker.ts"],
      }),
    ).toEqual([
      "public-surface-through-mod: hub/main.ts -> shared/transport/amqp/transport.ts",
      "public-surface-through-mod: scenarios/run/network.ts -> shared/faults/kinds/twin.ts",
    ]);
  });
});
