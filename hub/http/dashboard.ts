import { readFileSync, readdirSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { answer, ErrorBody, text } from "./responses.ts";
import { type Api, DashboardFileParams, QueryIdParams } from "./schemas.ts";

const DASHBOARD_DIR = fileURLToPath(new URL("../dashboard/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml",
};

/**
 * The dashboard page and its assets, as they lie in hub/dashboard: plain HTML, CSS and JS
 * modules, no build step. Read once at start; only the files found there are served.
 */
export function registerDashboard(api: Api, dir: string = DASHBOARD_DIR): void {
  const assets = new Map<string, { type: string; body: Buffer }>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type && !name.includes(".test.")) assets.set(name, { type, body: readFileSync(join(dir, name)) });
  }
  const serve = (name: string) => assets.get(name);
  const tags = ["dashboard"];

  api.get(
    "/",
    {
      schema: {
        tags,
        summary: "The status page: submit queries, watch every site answer live",
        response: { 200: text("The page", "text/html"), 404: answer("The page is not installed", ErrorBody) },
      },
    },
    async (_request, reply) => {
      const page = serve("index.html");
      if (!page) return reply.code(404).send({ error: "the dashboard is not installed" });
      return reply.type(page.type).header("cache-control", "no-cache").send(page.body);
    },
  );
  api.get(
    "/queries/:id",
    {
      schema: {
        tags,
        summary: "The page of one query: each site's row and its timeline from the query's history, live",
        params: QueryIdParams,
        response: {
          200: text("The page", "text/html"),
          400: answer("The id is not a UUID", ErrorBody),
          404: answer("The page is not installed", ErrorBody),
        },
      },
    },
    async (_request, reply) => {
      // The page reads its query's id from the address and asks the API; an unknown query is said there.
      const page = serve("query.html");
      if (!page) return reply.code(404).send({ error: "the dashboard is not installed" });
      return reply.type(page.type).header("cache-control", "no-cache").send(page.body);
    },
  );
  api.get(
    "/favicon.ico",
    {
      schema: {
        tags,
        summary: "The page's icon (SVG)",
        response: { 200: text("The icon", "image/svg+xml"), 404: answer("Not installed", ErrorBody) },
      },
    },
    async (_request, reply) => {
      const icon = serve("favicon.svg");
      if (!icon) return reply.code(404).send({ error: "no icon" });
      return reply.type(icon.type).header("cache-control", "max-age=86400").send(icon.body);
    },
  );
  api.get(
    "/dashboard/:file",
    {
      schema: {
        tags,
        summary: "The page's scripts and styles",
        params: DashboardFileParams,
        response: {
          200: {
            description: "The file",
            content: Object.fromEntries(Object.values(TYPES).map((type) => [type.split(";")[0], { schema: z.string() }])),
          },
          404: answer("No such file", ErrorBody),
        },
      },
    },
    async (request, reply) => {
      const asset = serve(request.params.file);
      if (!asset) return reply.code(404).send({ error: `no dashboard asset ${request.params.file}` });
      return reply.type(asset.type).header("cache-control", "no-cache").send(asset.body);
    },
  );
}
