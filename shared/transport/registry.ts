import { z } from "zod";
import { amqpEntry } from "./amqp/mod.ts";
import type { BrokerEntry, BrokerSettings } from "./broker.ts";
import { memoryEntry } from "./memory/mod.ts";
import { natsEntry } from "./nats/mod.ts";

/** The brokers qnet ships, one line each, in the order messages list them. */
const BUILT_IN = [memoryEntry, amqpEntry, natsEntry] as const;

const entries = new Map<string, BrokerEntry>(BUILT_IN.map((e) => [e.name, e]));

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
/** One broker's variables as the configuration holds them; nothing for a broker without any. */
type SettingsOf<E> = E extends { variables: infer V extends z.ZodRawShape } ? (keyof V extends never ? never : BrokerSettings<V>) : never;

/** The variables of the built-in brokers, typed; a registered broker's are in the configuration too, untyped. */
export type BuiltInBrokerSettings = UnionToIntersection<SettingsOf<(typeof BUILT_IN)[number]>>;

/**
 * Adds a broker beside the built-in ones (a test's stub, an extension); answers the function that
 * takes it out again. Every schema that names brokers reads the registry when it parses, so what
 * is registered before a value is read is accepted.
 */
export function registerBroker<V extends z.ZodRawShape>(entry: BrokerEntry<V>): () => void {
  if (entries.has(entry.name)) throw new Error(`a broker named ${entry.name} is registered already`);
  for (const variable of Object.keys(entry.variables)) {
    const owner = [...entries.values()].find((e) => variable in e.variables);
    if (owner) throw new Error(`broker ${entry.name}: ${variable} is broker ${owner.name}'s variable`);
  }
  entries.set(entry.name, entry);
  return () => {
    if (entries.get(entry.name) === entry) entries.delete(entry.name);
  };
}

/** Every registered broker's name, the built-in ones first. */
export function brokerNames(): string[] {
  return [...entries.keys()];
}

/** The entry of a registered broker; throws naming the registered ones when there is none. */
export function brokerEntry(name: string): BrokerEntry {
  const entry = entries.get(name);
  if (!entry) throw new Error(`no broker named ${name}: ${oneOf(brokerNames())}`);
  return entry;
}

/** The brokers that processes can share (not the in-memory one): what a network of separate processes can run on. */
export function sharedBrokerNames(): string[] {
  return [...entries.values()].filter((e) => !e.inProcess).map((e) => e.name);
}

/** Every registered broker's variables, for the configuration schema. */
export function brokerVariables(): z.ZodRawShape {
  return Object.assign({}, ...[...entries.values()].map((e) => e.variables));
}

/** "memory, amqp or nats" */
export function oneOf(names: readonly string[]): string {
  return names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;
}

/** A registered broker's name, checked against the registry when a value is parsed. */
export const brokerName = z.string().refine((name) => entries.has(name), { error: () => `must be ${oneOf(brokerNames())}` });
