/**
 * The transports: one contract (shared/ports/transport.ts), several engines. The conformance
 * suite (./conformance.ts) is imported by tests only, so it is not re-exported here.
 */
export * from "./memory/mod.ts";
export * from "./routing.ts";
