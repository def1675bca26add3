/**
 * Which queues an address reaches. Addresses are dotted tokens; a pattern token `*` matches one
 * token and a final `>` one or more, as NATS subjects and close to AMQP topic keys.
 */

export function matchesPattern(pattern: string, address: string): boolean {
  const p = pattern.split(".");
  const a = address.split(".");
  for (let i = 0; i < p.length; i++) {
    const token = p[i];
    if (token === ">") return i === p.length - 1 && a.length > i;
    if (i >= a.length) return false;
    if (token !== "*" && token !== a[i]) return false;
  }
  return p.length === a.length;
}

function isWildcard(pattern: string): boolean {
  return pattern.split(".").some((t) => t === "*" || t === ">");
}

export class BindingTable {
  private readonly exact = new Map<string, Set<string>>();
  private readonly wildcard: { pattern: string; queue: string }[] = [];

  /** Idempotent. */
  bind(queue: string, pattern: string): void {
    if (isWildcard(pattern)) {
      if (!this.wildcard.some((b) => b.pattern === pattern && b.queue === queue)) this.wildcard.push({ pattern, queue });
      return;
    }
    const queues = this.exact.get(pattern) ?? new Set<string>();
    queues.add(queue);
    this.exact.set(pattern, queues);
  }

  /** Removes every binding of a queue. */
  unbindQueue(queue: string): void {
    for (const [pattern, queues] of this.exact) {
      queues.delete(queue);
      if (queues.size === 0) this.exact.delete(pattern);
    }
    for (let i = this.wildcard.length - 1; i >= 0; i--) if (this.wildcard[i]?.queue === queue) this.wildcard.splice(i, 1);
  }

  /** The queues an address reaches, in binding order, each once. */
  route(address: string): string[] {
    const out = new Set(this.exact.get(address));
    for (const b of this.wildcard) if (matchesPattern(b.pattern, address)) out.add(b.queue);
    return [...out];
  }
}
