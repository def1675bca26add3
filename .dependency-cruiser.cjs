// The layers of qnet's top-level folders, checked by `npm run lint` (depcruise, after biome).
//
// Bottom to top: a folder imports only from the layers below its own, never from a sibling in its
// layer nor from above. Tests count as the code of the folder they sit in: a hub test that starts
// node agents is hub importing node-agent. Since every import points down, no two folders can form
// a cycle.
const LAYERS = [
  ["shared"], // protocol, ports, adapters (transports, stores), time, config
  ["trust"], // broker identities and users
  ["hub", "node-agent"], // the two sides of the protocol, each on its own
  ["cluster"], // the network composed: in one process (embedded/, npm start) or as processes
  ["scenarios", "docs", "examples"], // over a composed network: fault scenarios, the protocol's schemas, a foreign node
  ["bench"],
];

const below = (layer) => LAYERS.slice(0, layer).flat();

/** One rule per folder, named after it, so that a violation says which folder broke its layer. */
const forbidden = LAYERS.flatMap((folders, layer) =>
  folders.map((folder) => {
    const allowed = below(layer);
    const others = LAYERS.flat().filter((f) => f !== folder && !allowed.includes(f));
    return {
      name: `${folder}-imports-only-below`,
      comment:
        allowed.length === 0
          ? `${folder}/ is the bottom layer: it imports nothing from ${others.map((f) => `${f}/`).join(", ")}.`
          : `${folder}/ imports only from ${allowed.map((f) => `${f}/`).join(", ")}, never from ${others.map((f) => `${f}/`).join(", ")}.`,
      severity: "error",
      from: { path: `^${folder}/` },
      to: { path: `^(${others.join("|")})/` },
    };
  }),
);

const FOLDERS = LAYERS.flat();

/**
 * What the checker must not share with the hub: the apply decision, the store engines, the hub's
 * status ladder, the hub, the nodes and the composed network. The checker's reference model has
 * its own ladder and its own equality, so a mistake in the hub's is not also a mistake in the judge.
 */
const JUDGED = ["shared/apply/", "shared/store/", "shared/protocol/status\\.ts$", "hub/", "node-agent/", "cluster/"];

module.exports = {
  forbidden: [
    ...forbidden,
    {
      name: "public-surface-through-mod",
      comment:
        "shared/transport/ and shared/faults/ say what is public in their mod.ts files: code outside them imports those, not their internals (testing/ helpers and the conformance suite are for tests).",
      severity: "error",
      from: { pathNot: "^shared/(transport|faults)/" },
      to: { path: "^shared/(transport|faults)/", pathNot: "(/mod\\.ts|/testing/.*|/conformance\\.ts)$" },
    },
    {
      name: "checker-is-independent",
      comment: `scenarios/check/ (the reference model and the checker, tests included) judges the hub by its own reading of PROTOCOL.md: it imports nothing, directly or through another module, from ${JUDGED.map((p) => p.replace(/\\|\$/g, "")).join(", ")}, or a mistake there would be a mistake in the judge too. It reads the plain data scenarios/run/ hands it.`,
      severity: "error",
      from: { path: "^scenarios/check/" },
      to: { path: `^(${JUDGED.join("|")})`, reachable: true },
    },
    {
      name: "every-import-has-a-layer",
      comment: `a top-level folder imports from ${FOLDERS.map((f) => `${f}/`).join(", ")} and packages only: a new folder gets its place in LAYERS of .dependency-cruiser.cjs first.`,
      severity: "error",
      from: { path: `^(${FOLDERS.join("|")})/` },
      to: { pathNot: `^(node_modules|${FOLDERS.join("|")})/`, dependencyTypesNot: ["core"] },
    },
    {
      name: "every-folder-has-a-layer",
      comment:
        "a top-level folder with code that imports gets its place in LAYERS of .dependency-cruiser.cjs, or its imports go unchecked.",
      severity: "error",
      from: { path: "/", pathNot: `^(node_modules|${FOLDERS.join("|")})/` },
      to: { dependencyTypesNot: ["core"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|dist|reports|\\.qnet|\\.stryker-tmp)/" },
    // `import type` is a dependency on the layer too, though it leaves no trace in the compiled code.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    // As Node resolves a package; @nats-io/jetstream's "types" field names a file it does not ship.
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "node", "default"], mainFields: ["module", "main"] },
  },
};
