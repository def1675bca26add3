import type { JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection, Subscription as CoreSubscription } from "@nats-io/transport-node";
import { z } from "zod";
import type { Logger } from "../../log.ts";
import type { PublishOptions, Route } from "../../ports/transport.ts";
import { DELIVERY_LIMIT_REASON } from "../routing.ts";
import { carriedHeaders, headerRecord, MSG_ID_HEADER } from "./delivery.ts";
import { type NatsNames, readSubject } from "./topology.ts";

/** The part of JetStream's max-deliveries advisory this needs; the rest is ignored. */
const MaxDeliveriesAdvisory = z.object({
  stream: z.string().min(1),
  consumer: z.string().min(1),
  stream_seq: z.number().int().positive(),
});

export interface DeadLetterHost {
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  readonly names: NatsNames;
  readonly log: Logger;
  publish(route: Route, body: Uint8Array, options: PublishOptions): Promise<void>;
}

/**
 * JetStream stops delivering a message after max_deliver and only says so in an advisory; the message
 * stays in the stream. This moves it to the dead stream with the delivery-limit reason and deletes it
 * from its own. A queue group makes one listener act per advisory; re-publishing carries the original
 * Nats-Msg-Id, so a second attempt is a duplicate the dead stream drops. An advisory raised while no
 * listener is connected is missed, and its message stays in the stream, undelivered.
 */
export function listenForDeliveryLimit(host: DeadLetterHost, stream: string, consumer: string): CoreSubscription {
  const subject = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${consumer}`;
  return host.nc.subscribe(subject, {
    queue: `${host.names.prefix}-dead-letters`,
    callback: (err, msg) => {
      if (err) {
        host.log.warn({ subject, err: err.message }, "advisory subscription failed");
        return;
      }
      let advisory: z.infer<typeof MaxDeliveriesAdvisory>;
      try {
        const parsed = MaxDeliveriesAdvisory.safeParse(msg.json());
        if (!parsed.success) {
          host.log.warn({ subject, issues: parsed.error.issues.length }, "unreadable max-deliveries advisory");
          return;
        }
        advisory = parsed.data;
      } catch {
        host.log.warn({ subject }, "max-deliveries advisory is not JSON");
        return;
      }
      moveToDead(host, advisory.stream, advisory.stream_seq).catch((e: unknown) =>
        host.log.error({ stream: advisory.stream, seq: advisory.stream_seq, err: (e as Error).message }, "could not dead-letter"),
      );
    },
  });
}

async function moveToDead(host: DeadLetterHost, stream: string, seq: number): Promise<void> {
  let stored: Awaited<ReturnType<JetStreamManager["streams"]["getMessage"]>>;
  try {
    stored = await host.jsm.streams.getMessage(stream, { seq });
  } catch (err) {
    // Another listener moved it already.
    if (/not found/i.test((err as Error).message)) return;
    throw err;
  }
  if (!stored) return;
  const headers = headerRecord(stored.header);
  const origin = readSubject(host.names, stored.subject).address;
  await host.publish({ to: "dead", reason: DELIVERY_LIMIT_REASON, origin }, stored.data, {
    messageId: headers[MSG_ID_HEADER] || `${stream}:${seq}`,
    headers: carriedHeaders(headers),
  });
  try {
    await host.jsm.streams.deleteMessage(stream, seq, false);
  } catch (err) {
    if (!/not found/i.test((err as Error).message)) throw err;
  }
}
