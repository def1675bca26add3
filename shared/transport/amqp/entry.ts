import { z } from "zod";
import { defineBroker } from "../broker.ts";
import { deleteAmqpPrefix } from "./declare.ts";
import { connectAmqp } from "./transport.ts";

/** RabbitMQ, through amqplib. */
export const amqpEntry = defineBroker({
  name: "amqp",
  variables: {
    AMQP_URL: z.url({ protocol: /^amqps?$/, message: "must be an amqp:// or amqps:// URL" }).default("amqp://guest:guest@127.0.0.1:5672"),
  },
  inProcess: false,
  deduplicates: false,
  connect: (settings, options) => connectAmqp({ url: settings.AMQP_URL, ...options }),
  deletePrefix: (settings, prefix, nodeIds) => deleteAmqpPrefix(settings.AMQP_URL, prefix, nodeIds),
});
