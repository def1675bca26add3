import { type HubPolicy, NAIVE_WARNING } from "../../shared/apply/policy.ts";

/** What `npm start` prints once the network runs: where the dashboard is, and a query to submit. */
export interface BannerFacts {
  hospitals: number;
  store: string;
  /** The API's address as a client on this machine reaches it, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Whether POST /api/queries asks for a bearer token (QNET_API_TOKENS is set). */
  tokensRequired: boolean;
  /** How the hub applies proposals; naive is announced above everything else. */
  policy?: HubPolicy;
}

/**
 * Stands for the token in the printed curl line. The real token is never printed: the terminal's
 * scrollback, a `tee`d log or a service manager's journal are no place for a credential, and
 * whoever started `npm start` with QNET_API_TOKENS has it already.
 */
export const TOKEN_PLACEHOLDER = "<token>";

const EXAMPLE_DEFINITION = { panels: [{ concepts: ["dx:E11.9"] }] };

export function banner(facts: BannerFacts): string {
  const headers = ["content-type: application/json", ...(facts.tokensRequired ? [`authorization: Bearer ${TOKEN_PLACEHOLDER}`] : [])];
  const curl = [
    `curl -X POST ${facts.url}/api/queries`,
    ...headers.map((h) => `-H '${h}'`),
    `-d '${JSON.stringify({ definition: EXAMPLE_DEFINITION })}'`,
  ].join(" ");
  const naive = facts.policy === "naive" ? ["!".repeat(72), `!! ${NAIVE_WARNING}`, "!".repeat(72)] : [];
  return [
    ...naive,
    `qnet: ${facts.hospitals} hospitals on the in-memory broker, store ${facts.store}${facts.policy === "naive" ? ", policy NAIVE" : ""}`,
    `  dashboard  ${facts.url}/`,
    `  submit     ${curl}`,
    ...(facts.tokensRequired ? [`             (${TOKEN_PLACEHOLDER}: one of QNET_API_TOKENS)`] : []),
    "",
  ].join("\n");
}
