/** RabbitMQ: its registry entry, and for tests and tools a connection with every option and the clean-up of a prefix. */
export { deleteAmqpPrefix } from "./declare.ts";
export { amqpEntry } from "./entry.ts";
export { type AmqpTransportOptions, connectAmqp } from "./transport.ts";
