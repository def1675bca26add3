import { z } from "zod";
import { type Config, ConfigError, localApiUrl } from "../../shared/config.ts";
import { ShownQuery } from "./compare.ts";

/** A running hub as a client reaches it: its API's address, and a bearer token to send when the hub has tokens. */
export interface LiveHub {
  url: string;
  token?: string;
}

const HubUrl = z.url({ protocol: /^https?$/, message: "QNET_HUB_URL: must be an http:// or https:// URL" });

/**
 * The hub a command on this machine talks to, found from the variables the hub itself reads:
 * QNET_HTTP_HOST and QNET_HTTP_PORT (all interfaces reached on loopback), and the first of
 * QNET_API_TOKENS. QNET_HUB_URL, when set, names another address instead.
 */
export function liveHubOf(config: Pick<Config, "QNET_HTTP_HOST" | "QNET_HTTP_PORT" | "QNET_API_TOKENS">, hubUrl?: string): LiveHub {
  let url = localApiUrl(config.QNET_HTTP_HOST, config.QNET_HTTP_PORT);
  if (hubUrl) {
    const parsed = HubUrl.safeParse(hubUrl);
    if (!parsed.success) throw new ConfigError(`invalid configuration\n  ${parsed.error.issues[0]?.message}`);
    url = parsed.data;
  }
  const token = config.QNET_API_TOKENS?.[0];
  return token ? { url, token } : { url };
}

const Page = z.object({ items: z.array(z.object({ id: z.string() })), total: z.number().int().min(0) });
const PAGE = 500;
const PARALLEL = 8;

/** Answers JSON from the hub, or throws naming the URL and the status. */
async function getJson(url: string, token: string | undefined): Promise<unknown> {
  const headers: Record<string, string> = { accept: "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const response = await fetch(url, { headers }).catch((err: Error) => {
    throw new Error(`no hub answers at ${url}: ${(err.cause as Error | undefined)?.message ?? err.message}`);
  });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return response.json();
}

function parse<S extends z.ZodType>(schema: S, body: unknown, url: string): z.output<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new Error(`GET ${url}: unexpected answer: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

/**
 * Every query a running hub shows, read through its API: the ids page by page, then each query,
 * so that what is compared is exactly what a reader is shown.
 */
export async function liveQueries(hub: LiveHub): Promise<ShownQuery[]> {
  const base = hub.url.replace(/\/+$/, "");
  const ids: string[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const url = `${base}/api/queries?offset=${offset}&limit=${PAGE}`;
    const page = parse(Page, await getJson(url, hub.token), url);
    for (const q of page.items) if (!ids.includes(q.id)) ids.push(q.id);
    if (page.items.length === 0 || offset + PAGE >= page.total) break;
  }
  const out: ShownQuery[] = [];
  for (let i = 0; i < ids.length; i += PARALLEL) {
    const batch = await Promise.all(
      ids.slice(i, i + PARALLEL).map(async (id) => {
        const url = `${base}/api/queries/${id}`;
        return parse(ShownQuery, await getJson(url, hub.token), url);
      }),
    );
    out.push(...batch);
  }
  return out;
}
