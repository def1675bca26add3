import { z } from "zod";
import { defineBroker } from "../broker.ts";
import { connectNats, deleteNatsPrefix } from "./transport.ts";

/** NATS JetStream, through @nats-io/transport-node and @nats-io/jetstream. */
export const natsEntry = defineBroker({
  name: "nats",
  variables: {
    NATS_URL: z
      .string()
      .regex(/^(nats|tls|wss?):\/\/\S+$/, { message: "must be a nats:// URL (comma-separated for a cluster)" })
      .default("nats://127.0.0.1:4222"),
    NATS_USER: z.string().min(1).optional(),
    NATS_PASS: z.string().min(1).optional(),
  },
  inProcess: false,
  // A publish carries its messageId as Nats-Msg-Id: the stream drops a resend within its duplicate window.
  deduplicates: true,
  connect: (settings, options) => connectNats({ url: settings.NATS_URL, user: settings.NATS_USER, pass: settings.NATS_PASS, ...options }),
  deletePrefix: (settings, prefix) => deleteNatsPrefix(settings.NATS_URL, prefix),
});
