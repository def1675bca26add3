export type * from "./clock.ts";
export type * from "./random.ts";
export type * from "./store.ts";
export * from "./transport.ts";
