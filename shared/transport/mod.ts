/**
 * The transport layer as the rest of qnet uses it: the broker registry, the factory that connects
 * to the broker QNET_TRANSPORT names, and the backoff of retries. Each engine folder's own mod.ts
 * (memory/, amqp/, nats/) says what of that engine is public; code outside a folder imports it
 * through its mod.ts, files inside a folder import each other directly. The routing words the
 * engines share (routing.ts) stay inside; the conformance suite is for the engines' tests.
 */
export { backoffDelay } from "./backoff.ts";
export { type BrokerEntry, type BrokerSettings, type ConnectionOptions, defineBroker } from "./broker.ts";
export { createTransport, type TransportDeps } from "./create.ts";
export {
  type BuiltInBrokerSettings,
  brokerEntry,
  brokerName,
  brokerNames,
  brokerVariables,
  oneOf,
  registerBroker,
  sharedBrokerNames,
} from "./registry.ts";
