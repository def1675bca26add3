export * from "./definition.ts";
export * from "./ids.ts";
export * from "./items.ts";
export * from "./messages.ts";
export * from "./status.ts";
export * from "./versionInfo.ts";
