/**
 * Writes the variables that turn broker auth on in docker-compose.yml, as an env file for compose:
 * `QNET_BROKER_SECRET=<16+ chars> npx tsx cluster/broker-auth-env.ts > .env`. QNET_PREFIX, when set,
 * names the network as compose will. The file holds the secret and every process's password: keep it
 * like one.
 */
import { z } from "zod";
import { brokerAuthVariables } from "./brokerAuth.ts";
import { readCompose } from "./compose.ts";

const Env = z.object({
  // Single quotes make compose read the value literally; a secret with one or a newline could not be written so.
  QNET_BROKER_SECRET: z
    .string({ message: "required" })
    .min(16, { message: "must be at least 16 characters" })
    .regex(/^[^'\n\r]+$/, { message: "must hold no single quote or line break" }),
  QNET_PREFIX: z.string().optional(),
});

const parsed = Env.safeParse(process.env);
if (!parsed.success) {
  process.stderr.write(`invalid configuration\n  ${parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join("\n  ")}\n`);
  process.exit(2);
}
try {
  const variables = brokerAuthVariables(readCompose(), parsed.data.QNET_BROKER_SECRET, process.env);
  const lines = Object.entries({ ...(parsed.data.QNET_PREFIX ? { QNET_PREFIX: parsed.data.QNET_PREFIX } : {}), ...variables });
  process.stdout.write(
    `# broker auth for docker-compose.yml (cluster/broker-auth-env.ts)\n${lines.map(([k, v]) => `${k}='${v}'`).join("\n")}\n`,
  );
} catch (err) {
  process.stderr.write(`broker-auth-env: ${(err as Error).message}\n`);
  process.exit(1);
}
