import { AckPolicy, DeliverPolicy, type JetStreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import type { Topology } from "../routing.ts";
import type { NatsNames } from "./topology.ts";

export interface ConsumerSettings {
  /** Deliveries of one message, the first included (max_deliver). */
  maxDeliveries: number;
  /** How long a delivery may stay unacked before JetStream redelivers it. */
  ackWaitMs: number;
  /** Unacked deliveries of one durable consumer, across all its subscribers. */
  maxAckPending: number;
}

function notFound(err: unknown): boolean {
  return /not found/i.test((err as Error)?.message ?? "");
}

/**
 * Work-queue streams: a message stays until its consumer acks it, like a queue, and a run-query to a
 * node without a consumer yet is kept for it. A stream that already exists is left as it is.
 */
async function ensureStream(jsm: JetStreamManager, name: string, subjects: string[]): Promise<void> {
  try {
    await jsm.streams.info(name);
    return;
  } catch (err) {
    if (!notFound(err)) throw err;
  }
  await jsm.streams.add({ name, subjects, retention: RetentionPolicy.Workqueue, storage: StorageType.File, num_replicas: 1 });
}

async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
  filter: string | undefined,
  settings: ConsumerSettings,
): Promise<void> {
  try {
    await jsm.consumers.info(stream, durable);
    return;
  } catch (err) {
    if (!notFound(err)) throw err;
  }
  await jsm.consumers.add(stream, {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(settings.ackWaitMs),
    max_deliver: settings.maxDeliveries,
    max_ack_pending: settings.maxAckPending,
    ...(filter ? { filter_subject: filter } : {}),
  });
}

/**
 * Declares what a role needs (PROTOCOL.md section 5). Both roles make the four streams if missing
 * (a node cannot have its consumer without its stream); the hub makes its consumers and one per known
 * node, a node only its own. Whatever exists is left alone, so the first declarer's settings hold.
 */
export async function declareStreams(
  jsm: JetStreamManager,
  names: NatsNames,
  settings: ConsumerSettings,
  topology: Topology,
): Promise<void> {
  await ensureStream(jsm, names.queriesStream, names.queriesSubjects);
  await ensureStream(jsm, names.resultsStream, names.resultsSubjects);
  await ensureStream(jsm, names.deadStream, names.deadSubjects);
  await ensureStream(jsm, names.controlStream, names.controlSubjects);
  if (topology.role === "hub") {
    await ensureConsumer(jsm, names.resultsStream, names.hubConsumer, undefined, settings);
    // Dead letters are read, not retried: no delivery limit there.
    await ensureConsumer(jsm, names.deadStream, names.deadConsumer, undefined, { ...settings, maxDeliveries: -1 });
  }
  for (const nodeId of topology.role === "hub" ? topology.nodeIds : [topology.nodeId]) {
    await ensureConsumer(jsm, names.queriesStream, names.nodeConsumer(nodeId), names.nodeSubject(nodeId), settings);
    await ensureConsumer(jsm, names.controlStream, names.controlConsumer(nodeId), names.controlSubject(nodeId), settings);
  }
}

/** Deletes a prefix's streams, and with them their consumers, for test cleanup. */
export async function deleteStreams(jsm: JetStreamManager, names: NatsNames): Promise<void> {
  for (const stream of [names.queriesStream, names.resultsStream, names.deadStream, names.controlStream]) {
    try {
      await jsm.streams.delete(stream);
    } catch (err) {
      if (!notFound(err)) throw err;
    }
  }
}
