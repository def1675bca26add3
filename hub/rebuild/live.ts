import { z } from "zod";
import { ShownQuery } from "./compare.ts";

const Page = z.object({ items: z.array(z.object({ id: z.string() })), total: z.number().int().min(0) });
const PAGE = 500;
const PARALLEL = 8;

/** Answers JSON from the hub, or throws naming the URL and the status. */
async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url, { headers: { accept: "application/json" } }).catch((err: Error) => {
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
export async function liveQueries(hubUrl: string): Promise<ShownQuery[]> {
  const base = hubUrl.replace(/\/+$/, "");
  const ids: string[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const url = `${base}/api/queries?offset=${offset}&limit=${PAGE}`;
    const page = parse(Page, await getJson(url), url);
    for (const q of page.items) if (!ids.includes(q.id)) ids.push(q.id);
    if (page.items.length === 0 || offset + PAGE >= page.total) break;
  }
  const out: ShownQuery[] = [];
  for (let i = 0; i < ids.length; i += PARALLEL) {
    const batch = await Promise.all(
      ids.slice(i, i + PARALLEL).map(async (id) => {
        const url = `${base}/api/queries/${id}`;
        return parse(ShownQuery, await getJson(url), url);
      }),
    );
    out.push(...batch);
  }
  return out;
}
