export { deleteAmqpPrefix } from "./declare.ts";
export { REASON_HEADER as AMQP_REASON_HEADER } from "./delivery.ts";
export { type AmqpNames, amqpNames } from "./topology.ts";
export { AmqpTransport, type AmqpTransportOptions, connectAmqp } from "./transport.ts";
