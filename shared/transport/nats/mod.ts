/**
 * NATS JetStream: its registry entry; for tests and tools a connection with every option and the
 * clean-up of a prefix; and the subject and inbox names its permissions are written in (trust/nats.ts).
 */
export { natsEntry } from "./entry.ts";
export { type NatsNames, natsNames } from "./topology.ts";
export { ACK_WAIT_MS, connectNats, deleteNatsPrefix, type NatsTransportOptions, userInboxPrefix } from "./transport.ts";
