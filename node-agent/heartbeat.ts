import type { Logger } from "../shared/log.ts";
import type { Clock, Timer } from "../shared/ports/clock.ts";
import type { Random } from "../shared/ports/random.ts";
import type { Transport } from "../shared/ports/transport.ts";
import { encodeMessage } from "../shared/protocol/messages.ts";

export interface HeartbeatOptions {
  nodeId: string;
  transport: Transport;
  clock: Clock;
  /** Heartbeat message ids. */
  random: Random;
  /** 0 sends none. */
  intervalMs: number;
  /** Results not yet final at the node, which each heartbeat reports. */
  activeQueries: () => number;
  /** False once the agent stops: a beat already due then is not sent. */
  running: () => boolean;
  log: Logger;
}

/** The node's liveness signal to the hub: one node-heartbeat at start, then one every interval. */
export class Heartbeat {
  sent = 0;
  private timer: Timer | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private failing = false;

  constructor(private readonly options: HeartbeatOptions) {}

  start(): void {
    if (this.options.intervalMs <= 0) return;
    // Beat at once, so the dashboard shows the site alive from its start, not one interval later.
    this.inFlight = this.beat();
    this.schedule();
  }

  /** No beat after this one; the beat in flight, if any, is what the returned promise waits for. */
  stop(): Promise<void> {
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    return this.inFlight;
  }

  private schedule(): void {
    this.timer = this.options.clock.setTimeout(() => {
      if (!this.options.running()) return;
      this.inFlight = this.beat();
      this.schedule();
    }, this.options.intervalMs);
  }

  /** Liveness only: a lost heartbeat is replaced by the next one, so it is not retried. */
  private async beat(): Promise<void> {
    const { nodeId, transport, clock, random, log } = this.options;
    const messageId = random.uuid();
    const body = encodeMessage({
      type: "node-heartbeat",
      messageId,
      sentAt: new Date(clock.now()).toISOString(),
      nodeId,
      activeQueries: this.options.activeQueries(),
    });
    try {
      await transport.publish({ to: "hub", kind: "heartbeat", nodeId }, body, { messageId });
      this.sent++;
      if (this.failing) log.info("heartbeats published again");
      this.failing = false;
    } catch (error) {
      // Said once per outage, not once per interval.
      log[this.failing ? "debug" : "warn"]({ err: error }, "heartbeat not published");
      this.failing = true;
    }
  }
}
