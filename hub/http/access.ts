import { timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Writes need a bearer token when tokens are configured (always, off loopback): 401 without one,
 * 403 with a wrong one. Reads stay open, as a status board is.
 */
export function requireToken(tokens: readonly string[] | undefined) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!tokens || tokens.length === 0) return;
    const header = request.headers.authorization;
    const match = typeof header === "string" ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) {
      await reply.code(401).header("www-authenticate", "Bearer").send({ error: "a bearer token is required" });
      return reply;
    }
    if (!tokens.some((t) => same(t, match[1] as string))) {
      await reply.code(403).send({ error: "token not accepted" });
      return reply;
    }
  };
}
