// `npm run mutate [PART...]`: Stryker over the parts of the hub the scenario suite answers for,
// one part after another, each with its own incremental record (reports/mutation/), and the time
// and score at the end. The parts let someone re-run the one they changed.
import { Stryker } from "@stryker-mutator/core";

interface Part {
  files: string[];
  /** The store engine the scenarios run on: the SQL engine's mutants are reached on PGlite only. */
  store: "memory" | "pglite";
  /**
   * Stryker's allowance past twice the suite's time before it calls a mutant's run hung: a loop
   * that never ends costs that much, and a slow machine must not pass a survivor for a timeout.
   */
  timeoutMS?: number;
}

/** In the order a run takes them. hub/view/progressLine.ts is out: only the embedded cluster's terminal prints it. */
export const PARTS: Record<string, Part> = {
  apply: { files: ["shared/apply/*.ts"], store: "memory" },
  overdue: { files: ["hub/overdue.ts"], store: "memory" },
  view: { files: ["hub/view/statusView.ts", "hub/view/breakdowns.ts", "hub/view/display.ts", "hub/view/rebuild.ts"], store: "memory" },
  ingest: { files: ["hub/ingest/*.ts"], store: "memory" },
  store: { files: ["shared/store/memory.ts", "shared/store/forwarding.ts"], store: "memory" },
  sql: {
    files: ["shared/store/sql/sqlStore.ts", "shared/store/sql/itemCache.ts", "shared/store/sql/schema.ts"],
    store: "pglite",
    timeoutMS: 120_000,
  },
};

const KILLED = new Set(["Killed", "Timeout"]);
const UNDETECTED = new Set(["Survived", "NoCoverage"]);

async function main(argv: string[]): Promise<number> {
  // --force: judge every mutant again, past the incremental record (after the scenarios changed: the
  // record knows the mutated code, not the suite that judged it).
  const force = argv.includes("--force");
  const parts = argv.filter((a) => a !== "--force");
  const names = parts.length ? parts : Object.keys(PARTS);
  const unknown = names.filter((n) => !(n in PARTS));
  if (unknown.length) {
    console.error(`npm run mutate: no part ${unknown.join(", ")} (parts: ${Object.keys(PARTS).join(", ")})`);
    return 2;
  }
  const started = performance.now();
  let killed = 0;
  let undetected = 0;
  const survivors: string[] = [];
  for (const name of names) {
    const part = PARTS[name] as Part;
    process.env.QNET_MUTATE_STORE = part.store;
    const partStarted = performance.now();
    const results = await new Stryker({
      configFile: "stryker.config.mjs",
      force,
      ...(part.timeoutMS !== undefined && { timeoutMS: part.timeoutMS }),
      mutate: [...part.files, "!**/*.test.ts"],
      incrementalFile: `reports/mutation/${name}.incremental.json`,
      jsonReporter: { fileName: `reports/mutation/${name}.json` },
      // A file per mutant as it is judged, to read while a long run goes on.
      eventReporter: { baseDir: `reports/mutation/${name}-events` },
    }).runMutationTest();
    let k = 0;
    let u = 0;
    for (const r of results) {
      if (KILLED.has(r.status)) k++;
      else if (UNDETECTED.has(r.status)) {
        u++;
        survivors.push(
          `${r.fileName}:${r.location.start.line}:${r.location.start.column + 1} ${r.mutatorName} ${JSON.stringify(r.replacement ?? "")}`,
        );
      }
    }
    killed += k;
    undetected += u;
    const minutes = (performance.now() - partStarted) / 60_000;
    console.log(`mutate ${name}: ${k} killed, ${u} survived, ${minutes.toFixed(1)} min (store ${part.store})`);
  }
  const total = killed + undetected;
  console.log(`\nsurvivors:\n${survivors.map((s) => `  ${s}`).join("\n") || "  none"}`);
  console.log(
    `mutation score ${total ? ((100 * killed) / total).toFixed(1) : "100.0"}% (${killed} of ${total}) over ${names.join(", ")} in ${((performance.now() - started) / 60_000).toFixed(1)} min`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  },
);
