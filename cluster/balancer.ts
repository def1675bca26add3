import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./compose.ts";

/** The balancer's configuration, mounted into the haproxy service by docker-compose.yml. */
export const BALANCER_CONFIG = join(REPO_ROOT, "cluster", "haproxy.cfg");
/** Where the official haproxy image reads its configuration. */
export const BALANCER_CONFIG_TARGET = "/usr/local/etc/haproxy/haproxy.cfg";

/** What the balancer's configuration says about its front and its back. */
export interface BalancerLayout {
  /** The port the frontend binds. */
  bindPort: number;
  /** The host and port each replica is looked up at, and how many replicas the template has room for. */
  template: { host: string; port: number; slots: number };
}

const BIND = /^(\s*)bind\s+(\S*):(\d+)\s*$/m;
const TEMPLATE = /^(\s*)server-template\s+(\S+)\s+(\d+)-(\d+)\s+([^\s:]+):(\d+)\b.*$/m;

/** Reads the frontend's port and the server template; a configuration without them is refused by name. */
export function balancerLayout(text: string): BalancerLayout {
  const bind = BIND.exec(text);
  const template = TEMPLATE.exec(text);
  if (!bind) throw new Error("the balancer's configuration has no `bind [host]:<port>` line");
  if (!template) throw new Error("the balancer's configuration has no `server-template <prefix> <first>-<last> <host>:<port>` line");
  return {
    bindPort: Number(bind[3]),
    template: { host: template[5] as string, port: Number(template[6]), slots: Number(template[4]) - Number(template[3]) + 1 },
  };
}

/** A replica the local balancer forwards to. */
export interface LocalReplica {
  name: string;
  port: number;
}

/**
 * The compose configuration made local: the frontend on `host:port`, one server line per replica
 * on loopback instead of the template compose's DNS fills, and no resolvers section (there is no
 * compose DNS here). Timeouts, health checks and balancing stay as the file says.
 */
export function localBalancerConfig(text: string, listen: { host: string; port: number }, replicas: readonly LocalReplica[]): string {
  balancerLayout(text);
  const lines = text.split("\n");
  const out: string[] = [];
  let inResolvers = false;
  for (const line of lines) {
    // A section starts at a keyword in the first column; its body is indented.
    if (/^\S/.test(line) && !line.startsWith("#")) inResolvers = /^resolvers\s/.test(line);
    if (inResolvers) continue;
    const bind = BIND.exec(line);
    const template = TEMPLATE.exec(line);
    if (bind) out.push(`${bind[1]}bind ${listen.host}:${listen.port}`);
    else if (template) for (const r of replicas) out.push(`${template[1]}server ${r.name} 127.0.0.1:${r.port}`);
    else out.push(line);
  }
  return out.join("\n");
}

/** The repository's balancer configuration, made local. */
export function readLocalBalancerConfig(listen: { host: string; port: number }, replicas: readonly LocalReplica[]): string {
  return localBalancerConfig(readFileSync(BALANCER_CONFIG, "utf8"), listen, replicas);
}
