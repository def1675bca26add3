/**
 * The transports: one contract (shared/ports/transport.ts), three engines, and the factory that
 * picks one from the configuration. The conformance suite (./conformance.ts) is for tests only and
 * is not re-exported here.
 */
export * from "./amqp/mod.ts";
export * from "./create.ts";
export * from "./memory/mod.ts";
export * from "./nats/mod.ts";
export * from "./routing.ts";
