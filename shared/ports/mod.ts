export type * from "./clock.ts";
export type * from "./random.ts";
export type * from "./store.ts";
export type * from "./transport.ts";
