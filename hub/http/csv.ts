import type { StatusView } from "../view/statusView.ts";
import { answer, ErrorBody, text, ValidationErrorBody } from "./responses.ts";
import { type Api, QueryIdParams } from "./schemas.ts";

const COLUMNS = [
  "queryId",
  "nodeId",
  "status",
  "statusText",
  "count",
  "countDisplay",
  "progress",
  "itemVersion",
  "updatedAt",
  "statusMessage",
] as const;

/**
 * One CSV field. A text that a spreadsheet would run as a formula (a site's status message may say
 * anything) is prefixed with an apostrophe, as OWASP advises against CSV injection.
 */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return "";
  let s = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** `GET /api/queries/:id/rows.csv`: the query's rows, one per site, as the page shows them. */
export function registerCsv(api: Api, deps: { view: StatusView }): void {
  api.get(
    "/api/queries/:id/rows.csv",
    {
      schema: {
        tags: ["queries"],
        summary: "One query's rows as CSV, one line per site, for a spreadsheet",
        description: `Columns: ${COLUMNS.join(", ")}. An empty field is null. A text field starting with = + - @ is prefixed with an apostrophe.`,
        params: QueryIdParams,
        response: {
          200: text("The rows, with a header line", "text/csv"),
          400: answer("The id is not a UUID", ValidationErrorBody),
          404: answer("No such query", ErrorBody),
        },
      },
    },
    async (request, reply) => {
      const view = deps.view.get(request.params.id);
      if (!view) return reply.code(404).send({ error: `no query ${request.params.id}` });
      const lines = [COLUMNS.join(",")];
      for (const row of view.nodes) {
        const cells = { queryId: view.id, ...row };
        lines.push(COLUMNS.map((c) => csvField((cells as Record<string, string | number | boolean | null>)[c] ?? null)).join(","));
      }
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="query-${view.id}.csv"`)
        .send(`${lines.join("\r\n")}\r\n`);
    },
  );
}
