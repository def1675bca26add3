import type { IngestSize } from "./ingest.ts";
import type { ReplicasSize } from "./replicas.ts";
import type { ScaleSize } from "./scale.ts";
import type { SimulationSize } from "./simulation.ts";
import type { StartupSize } from "./startup.ts";
import type { SteadySize } from "./steady.ts";

/** What each --size runs. small keeps a full `npm run bench` within a few minutes. */
export const SIZES: Record<
  "small" | "medium" | "large",
  {
    ingest: IngestSize;
    simulation: SimulationSize;
    latency: SteadySize;
    scale: ScaleSize;
    api: SteadySize;
    replicas: ReplicasSize;
    startup: StartupSize;
  }
> = {
  small: {
    ingest: { queries: 200, nodes: 25, prefetch: 2_000 },
    simulation: { nodes: 25, queries: 100, populationSize: 2_000 },
    latency: { rate: 5_000, seconds: 4, nodes: 25, prefetch: 256 },
    scale: { queries: 50, nodes: [25, 50, 100], populationSize: 2_000, maxOldSpaceMb: 4_096 },
    api: { rate: 2_000, seconds: 4, nodes: 25, prefetch: 256 },
    replicas: { ingest: { queries: 200, nodes: 25, prefetch: 2_000 }, replicas: 2, lagRate: 2_000, lagSeconds: 10 },
    startup: { states: 100_000, tail: 10_000 },
  },
  medium: {
    ingest: { queries: 800, nodes: 25, prefetch: 2_000 },
    simulation: { nodes: 100, queries: 200, populationSize: 2_000 },
    latency: { rate: 5_000, seconds: 15, nodes: 50, prefetch: 256 },
    scale: { queries: 200, nodes: [100, 200, 400], populationSize: 2_000, maxOldSpaceMb: 4_096 },
    api: { rate: 5_000, seconds: 15, nodes: 50, prefetch: 256 },
    replicas: { ingest: { queries: 800, nodes: 25, prefetch: 2_000 }, replicas: 2, lagRate: 2_000, lagSeconds: 30 },
    startup: { states: 1_000_000, tail: 20_000 },
  },
  large: {
    ingest: { queries: 2_000, nodes: 50, prefetch: 2_000 },
    simulation: { nodes: 200, queries: 500, populationSize: 2_000 },
    latency: { rate: 5_000, seconds: 60, nodes: 100, prefetch: 256 },
    scale: { queries: 1_000, nodes: [100, 300, 1_000], populationSize: 2_000, maxOldSpaceMb: 1_536 },
    api: { rate: 5_000, seconds: 60, nodes: 100, prefetch: 256 },
    replicas: { ingest: { queries: 2_000, nodes: 50, prefetch: 2_000 }, replicas: 2, lagRate: 2_000, lagSeconds: 60 },
    startup: { states: 1_000_000, tail: 50_000 },
  },
};
export type SizeName = keyof typeof SIZES;
