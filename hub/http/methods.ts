import type { FastifyInstance } from "fastify";

const METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"] as const;

/**
 * What fastify answers when no route takes a request: 405 with `Allow` when the path is served
 * with other methods (a wrong method is not a missing page), 404 when it is not served at all.
 */
export function registerUnrouted(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] as string;
    const allowed = METHODS.filter((method) => Boolean(app.findRoute({ method, url: path })));
    if (allowed.length === 0) return reply.code(404).send({ error: `no route ${request.method} ${path}` });
    return reply
      .code(405)
      .header("allow", allowed.join(", "))
      .send({ error: `${request.method} is not allowed on ${path}; it takes ${allowed.join(", ")}` });
  });
}
