import { type ComposeFile, type ComposeService, qnetServices, replicasOf } from "./compose.ts";

/** One local process of a qnet service of the compose file: the service itself, or one of its replicas. */
export interface LocalProcess {
  /** What its lines are shown after: the service's name, or `<service>-<n>` for each of several replicas (as compose names containers). */
  name: string;
  /** The compose service it is (one) of. */
  of: string;
  /** Its TypeScript entry. */
  entry: string;
  service: ComposeService;
}

/** The qnet processes a compose file runs, in file order, each service as many times as its `deploy.replicas`. */
export function localProcesses(compose: ComposeFile, env: Record<string, string | undefined>): LocalProcess[] {
  return qnetServices(compose).flatMap(({ name, entry, service }) => {
    const count = replicasOf(service, env);
    if (count === 1) return [{ name, of: name, entry, service }];
    return Array.from({ length: count }, (_, i) => ({ name: `${name}-${i + 1}`, of: name, entry, service }));
  });
}

/** `host:port` a compose service publishes for a container port, with compose's short syntax (`[ip:]host:container`). */
export function publishedAddress(
  service: ComposeService,
  containerPort: number,
  interpolateValue: (value: string) => string,
): { host: string; port: number } | undefined {
  for (const spec of service.ports) {
    const parts = interpolateValue(spec).split(":");
    const [ip, host, container] = parts.length === 3 ? parts : ["0.0.0.0", ...parts];
    if (Number(container) === containerPort && /^\d+$/.test(host ?? "")) return { host: ip as string, port: Number(host) };
  }
  return undefined;
}
