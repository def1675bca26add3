export * from "./decide.ts";
export * from "./precedence.ts";
export * from "./sameItem.ts";
