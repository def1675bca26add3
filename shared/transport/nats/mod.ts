export { REASON_HEADER as NATS_REASON_HEADER } from "./delivery.ts";
export { type NatsNames, natsNames, streamPrefix } from "./topology.ts";
export { connectNats, deleteNatsPrefix, NatsTransport, type NatsTransportOptions, userInboxPrefix } from "./transport.ts";
