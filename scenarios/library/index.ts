import type { Scenario } from "../schema.ts";
import ackDelayNackStorm from "./ackDelayNackStorm.ts";
import clockSkew from "./clockSkew.ts";
import dropBeforeAck from "./dropBeforeAck.ts";
import duplicateReorder from "./duplicateReorder.ts";
import everythingAtOnce from "./everythingAtOnce.ts";
import hubCrash from "./hubCrash.ts";
import latencyJitter from "./latencyJitter.ts";
import nodeCrash from "./nodeCrash.ts";
import partition from "./partition.ts";
import poison from "./poison.ts";
import staleReplay from "./staleReplay.ts";
import twinWriters from "./twinWriters.ts";
import twinCounts from "./twinCounts.ts";
import ledgerLoss from "./ledgerLoss.ts";
import timeouts from "./timeouts.ts";
import storeOutage from "./storeOutage.ts";
import storeFaults from "./storeFaults.ts";
import resendNewIds from "./resendNewIds.ts";
import hubCrashCommit from "./hubCrashCommit.ts";
import hubCrashFanOut from "./hubCrashFanOut.ts";
import forgeries from "./forgeries.ts";
import forgeriesSharedUser from "./forgeriesSharedUser.ts";
import hubReplicas from "./hubReplicas.ts";
import hubBacklog from "./hubBacklog.ts";
import plainSites from "./plainSites.ts";
import stalledReplays from "./stalledReplays.ts";
import lostWakeups from "./lostWakeups.ts";
import forgedHeartbeats from "./forgedHeartbeats.ts";
import rollingRestarts from "./rollingRestarts.ts";
import instantDates from "./instantDates.ts";
import racingReplicas from "./racingReplicas.ts";
import mutedReplicas from "./mutedReplicas.ts";
import fullQueue from "./fullQueue.ts";
import replicaRaces from "./replicaRaces.ts";

/** The named scenarios shipped with qnet, in the order `list` prints them. */
export const LIBRARY: readonly Scenario[] = [
  duplicateReorder,
  latencyJitter,
  dropBeforeAck,
  ackDelayNackStorm,
  staleReplay,
  nodeCrash,
  twinWriters,
  hubCrash,
  partition,
  clockSkew,
  poison,
  twinCounts,
  ledgerLoss,
  timeouts,
  storeOutage,
  storeFaults,
  resendNewIds,
  hubCrashCommit,
  hubCrashFanOut,
  forgeries,
  forgeriesSharedUser,
  hubReplicas,
  hubBacklog,
  plainSites,
  stalledReplays,
  lostWakeups,
  forgedHeartbeats,
  rollingRestarts,
  instantDates,
  racingReplicas,
  mutedReplicas,
  fullQueue,
  replicaRaces,
  everythingAtOnce,
];

export function findScenario(name: string): Scenario | undefined {
  return LIBRARY.find((s) => s.name === name);
}
