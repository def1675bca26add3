import type { Delivery } from "../../shared/ports/transport.ts";
import { nodeIdOfBrokerUser } from "../../trust/identity.ts";

/**
 * The node a delivery's authenticated broker user speaks for (trust/identity.ts): undefined when
 * the broker names no user, or a user that speaks for no one node (the hub's, a shared development user).
 * Who may write is decided with it in shared/apply/admission.ts.
 */
export function userNodeIdOf(delivery: Pick<Delivery, "authenticatedUser">): string | undefined {
  return delivery.authenticatedUser === undefined ? undefined : nodeIdOfBrokerUser(delivery.authenticatedUser);
}
