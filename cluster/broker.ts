import { loadConfig } from "../shared/config.ts";
import { brokerEntry, oneOf, sharedBrokerNames } from "../shared/transport/mod.ts";
import { type ComposeService, containerEnvironment } from "./compose.ts";

/**
 * The broker the compose file's processes use, as their configuration reads it with the given
 * interpolation: one broker of the registry, shared by them all, that separate processes can reach.
 */
export function clusterBroker(
  services: readonly { name: string; service: ComposeService }[],
  env: Record<string, string | undefined>,
): string {
  const used = new Map(services.map((s) => [loadConfig(containerEnvironment(s.service, env)).QNET_TRANSPORT, s.name]));
  if (used.size !== 1) throw new Error(`the processes use different brokers: ${[...used].map(([b, s]) => `${s} ${b}`).join(", ")}`);
  const [name] = [...used.keys()] as [string];
  if (brokerEntry(name).inProcess)
    throw new Error(`QNET_TRANSPORT=${name} lives inside one process; separate processes need ${oneOf(sharedBrokerNames())}`);
  return name;
}
