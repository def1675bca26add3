import { type ChildProcess, fork } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { NODE_FLAGS } from "../../cluster/child.ts";
import { REPO_ROOT } from "../../cluster/compose.ts";
import { SseParser } from "../../hub/events/sseReader.ts";
import { QueryEventData, ResultEventData } from "../../hub/http/responses.ts";
import type { QueryDefinition } from "../../shared/protocol/definition.ts";
import type { QueryPicture } from "../check/evidence.ts";
import type { ReplicaReport } from "./history.ts";
import type { ReplicaView, RunReplica } from "./replicas.ts";
import { Answers, FromReplica, type QueryRead, type ReplicaCall, type ReplicaStart, problemOf } from "./replicaWire.ts";

/** The child entry; a test names another to play a replica that misbehaves. */
export const REPLICA_ENTRY = fileURLToPath(new URL("./replicaProcess.ts", import.meta.url));

/** Lines of a process's output kept to explain why it failed. */
const KEPT_LINES = 20;

/** Every replica process alive, killed when the runner's process exits however it exits. */
const alive = new Set<ChildProcess>();
let exitHook = false;
function track(child: ChildProcess): void {
  alive.add(child);
  child.once("exit", () => alive.delete(child));
  if (exitHook) return;
  exitHook = true;
  process.once("exit", () => {
    for (const c of alive) c.kill("SIGKILL");
  });
}

/**
 * A replica process's view as the runner mirrors it: the last picture of every query it sent, and
 * each event of its stream since, laid over it. The process sends both in the order its view moved,
 * so the mirror is its view as of the last message, and a poll of it never shows less than an
 * event read before it.
 */
class MirroredView implements ReplicaView {
  private reads: Record<string, QueryRead> = {};
  private readonly followers = new Set<(frame: string) => void>();
  /** Every frame this incarnation sent, under the position of its event, as its hub's event log holds them. */
  private readonly frames: { position: number; frame: string }[] = [];
  private readonly parser = new SseParser();

  read(queryId: string): QueryRead | undefined {
    return this.reads[queryId];
  }

  follow(after: string, onFrame: (frame: string) => void): () => void {
    for (const kept of this.frames) if (kept.position > Number(after)) onFrame(kept.frame);
    this.followers.add(onFrame);
    return () => this.followers.delete(onFrame);
  }

  shows(reads: Record<string, QueryRead>): void {
    this.reads = reads;
  }

  /** One frame of its stream: kept for a reader that resumes, passed to the followers, and laid over the last picture. */
  frame(frame: string): string | undefined {
    let position = Number.NaN;
    for (const event of this.parser.push(frame)) {
      const problem = this.take(event.type, event.data);
      if (problem) return problem;
      position = Number(event.id);
    }
    this.frames.push({ position, frame });
    for (const f of this.followers) f(frame);
    return undefined;
  }

  private take(type: string, data: string): string | undefined {
    if (type !== "query" && type !== "result") return undefined;
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return `a ${type} event whose data is not JSON`;
    }
    if (type === "query") {
      const q = QueryEventData.safeParse(json);
      if (!q.success) return `a query event that is not one (${problemOf(q.error)})`;
      const { queryId, status } = q.data;
      this.reads = { ...this.reads, [queryId]: { status, nodes: this.reads[queryId]?.nodes ?? [] } };
      return undefined;
    }
    const r = ResultEventData.safeParse(json);
    if (!r.success) return `a result event that is not one (${problemOf(r.error)})`;
    const { queryId, row } = r.data;
    const was = this.reads[queryId];
    // A result of a query the mirror has not pictured yet shows with the next picture.
    if (!was) return undefined;
    const nodes = was.nodes.some((n) => n.nodeId === row.nodeId)
      ? was.nodes.map((n) => (n.nodeId === row.nodeId ? row : n))
      : [...was.nodes, row];
    this.reads = { ...this.reads, [queryId]: { status: was.status, nodes } };
    return undefined;
  }
}

/** One incarnation of a replica process: its IPC requests, its reports, its end. */
class Incarnation {
  readonly view = new MirroredView();
  readonly ready: Promise<number>;
  /** Set once it is known to have gone wrong: what it sent or how it ended. */
  failure: Error | undefined;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  /** The signal the process ended by, null when it exited by itself. */
  readonly ended: Promise<NodeJS.Signals | null>;
  private readonly pending = new Map<number, { op: ReplicaCall["op"]; resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly lines: string[] = [];
  private nextId = 0;
  private killed = false;
  private stopping = false;
  private up = false;
  private onReady: { resolve: (pid: number) => void; reject: (e: Error) => void } | undefined;

  constructor(
    private readonly name: string,
    entry: string,
    start: ReplicaStart,
    private readonly report: ReplicaReport,
  ) {
    this.ready = new Promise((resolve, reject) => {
      this.onReady = { resolve, reject };
    });
    // Awaited by whoever asks; a failure before anyone does is kept in `failure` too.
    this.ready.catch(() => {});
    this.child = fork(entry, [], {
      cwd: REPO_ROOT,
      execArgv: [...NODE_FLAGS, "--import", "tsx"],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "json",
    });
    track(this.child);
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on("line", (line) => {
        this.lines.push(line);
        if (this.lines.length > KEPT_LINES) this.lines.shift();
      });
    }
    let ended: (signal: NodeJS.Signals | null) => void = () => {};
    this.ended = new Promise((resolve) => {
      ended = resolve;
    });
    this.exited = new Promise((resolve) => {
      // "close" comes after its output is read to the end, for the lines that say why it failed.
      this.child.once("close", (code, signal) => {
        const wasUp = this.up;
        this.up = false;
        if (!this.killed && !(this.stopping && code === 0)) {
          const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
          this.fail(`${this.name}'s process ${how}${wasUp ? "" : " before it was ready"}${this.tail()}`);
        }
        ended(signal);
        resolve();
      });
    });
    this.child.on("error", (err) => this.fail(`${this.name}'s process could not run: ${err.message}`));
    this.child.on("message", (raw: unknown) => this.receive(raw));
    this.child.send({ ...start }, (err) => {
      if (err) this.fail(`${this.name}'s process could not be started: ${err.message}`);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  running(): boolean {
    return this.up;
  }

  request(call: ReplicaCall): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { op: call.op, resolve, reject });
      this.child.send({ type: "request", id, call }, (err) => {
        if (err) this.fail(`${this.name}'s process could not be asked to ${call.op}: ${err.message}`);
      });
    });
  }

  /** Asks it to stop and waits for it to exit; one that does not answer is killed. */
  async stop(): Promise<void> {
    if (!this.up) return this.kill();
    this.stopping = true;
    try {
      await this.request({ op: "stop" });
      await this.exited;
    } catch {
      await this.kill();
    }
  }

  /** SIGKILL: nothing flushed, nothing closed; its connections drop as a dead process's do. */
  async kill(): Promise<void> {
    this.killed = true;
    this.up = false;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exited;
    this.rejectAll(new Error(`${this.name}'s process was killed`));
  }

  private receive(raw: unknown): void {
    const parsed = FromReplica.safeParse(raw);
    if (!parsed.success) {
      this.fail(`${this.name}'s process sent what is not a replica message (${problemOf(parsed.error)}): ${preview(raw)}`);
      this.child.kill("SIGKILL");
      return;
    }
    const m = parsed.data;
    switch (m.type) {
      case "ready":
        this.up = true;
        this.onReady?.resolve(m.pid);
        return;
      case "failed":
        this.fail(`${this.name}: ${m.error}${this.tail()}`);
        return;
      case "decided":
        this.report.decided({
          ...m.decision,
          current: m.decision.current,
          storedVersion: m.decision.storedVersion,
          messageId: m.decision.messageId,
        });
        return;
      case "committed":
        this.report.committed({ messageIds: m.messageIds, proposals: m.proposals }, m.at);
        return;
      case "settled":
        this.report.settled(
          { messageId: m.messageId, type: m.envelope, how: m.how, ...(m.reason !== undefined && { reason: m.reason }) },
          m.at,
        );
        return;
      case "frame": {
        const problem = this.view.frame(m.frame);
        if (problem) {
          this.fail(`${this.name}'s process sent ${problem}`);
          this.child.kill("SIGKILL");
        }
        return;
      }
      case "reads":
        this.view.shows(m.reads);
        return;
      case "answer":
      case "refused":
        this.answered(m);
        return;
    }
  }

  private answered(m: Extract<FromReplica, { type: "answer" | "refused" }>): void {
    const waiting = this.pending.get(m.id);
    if (!waiting) {
      this.fail(`${this.name}'s process answered request ${m.id}, which no one asked`);
      return;
    }
    this.pending.delete(m.id);
    if (m.type === "refused") {
      waiting.reject(new Error(`${this.name} could not ${waiting.op}: ${m.error}`));
      return;
    }
    const value = Answers[waiting.op].safeParse(m.value);
    if (value.success) waiting.resolve(value.data);
    else waiting.reject(new Error(`${this.name}'s answer to ${waiting.op} is not one (${problemOf(value.error)})`));
  }

  private fail(message: string): void {
    if (this.failure) return;
    this.failure = new Error(message);
    this.up = false;
    this.onReady?.reject(this.failure);
    this.rejectAll(this.failure);
  }

  private rejectAll(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  private tail(): string {
    return this.lines.length > 0 ? `; its last output:\n  ${this.lines.join("\n  ")}` : "";
  }
}

const preview = (raw: unknown) => {
  const text = JSON.stringify(raw) ?? String(raw);
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
};

/** One process a replica ran as: its pid, and the signal it ended by (SIGKILL for a crash), if it ended by one. */
export interface ReplicaProcessRecord {
  replica: number;
  pid: number | undefined;
  killed: boolean;
  signal?: NodeJS.Signals | null;
}

export interface ChildReplicaOptions {
  replica: number;
  /** The run's settings every incarnation starts with. */
  settings: Omit<ReplicaStart, "type" | "replica" | "incarnation">;
  /** Where its decisions and settlements go: the run's history. */
  report: ReplicaReport;
  /** The process's entry; replicaProcess.ts unless a test names another. */
  entry?: string;
}

/**
 * A hub replica run as a child process of the runner, over the run's store and broker prefix:
 * started by fork, reporting over IPC, crashed with SIGKILL, restarted as a new process. A process
 * that sends what is not a replica message, or dies, is a failure of the run, said in a line.
 */
export class ChildReplica implements RunReplica {
  readonly replica: number;
  private current: Incarnation | undefined;
  private incarnations = 0;
  /** The first thing that went wrong with any of its processes other than a crash the run asked for. */
  private failed: Error | undefined;
  /** Each incarnation's pid and how it ended, for the run's record. */
  readonly processes: ReplicaProcessRecord[] = [];

  constructor(private readonly options: ChildReplicaOptions) {
    this.replica = options.replica;
  }

  get failure(): Error | undefined {
    return this.failed ?? this.current?.failure;
  }

  running(): boolean {
    return this.current?.running() === true;
  }

  view(): ReplicaView | undefined {
    return this.running() ? this.current?.view : undefined;
  }

  lastView(): ReplicaView | undefined {
    return this.current?.view;
  }

  async submit(definition: QueryDefinition): Promise<string> {
    return (await this.live().request({ op: "submit", definition })) as string;
  }

  async final(queryIds: readonly string[]): Promise<QueryPicture[] | undefined> {
    if (!this.running()) return undefined;
    return (await this.live().request({ op: "final", queryIds: [...queryIds] })) as QueryPicture[];
  }

  async quiesce(): Promise<void> {
    if (this.running()) await this.live().request({ op: "quiesce" });
  }

  /** SIGKILL of its process. */
  async crash(): Promise<void> {
    const c = this.current;
    if (!c?.running()) return;
    this.remember(c);
    await c.kill();
    const record = this.processes.find((p) => p.pid === c.pid);
    if (record) record.killed = true;
  }

  /** A new process over the same store; resolves once its hub runs, rejects with why it did not. */
  async start(): Promise<void> {
    if (this.running()) return;
    if (this.current) this.remember(this.current);
    const { replica, settings, report, entry } = this.options;
    const name = `hub replica ${replica}`;
    const incarnation = new Incarnation(
      name,
      entry ?? REPLICA_ENTRY,
      { type: "start", replica, incarnation: this.incarnations++, ...settings },
      report,
    );
    this.current = incarnation;
    const record: ReplicaProcessRecord = { replica, pid: incarnation.pid, killed: false };
    this.processes.push(record);
    void incarnation.ended.then((signal) => {
      record.signal = signal;
    });
    try {
      await incarnation.ready;
    } catch (err) {
      await incarnation.kill();
      throw err;
    }
  }

  /** Stops its process (a graceful stop, then SIGKILL if that fails). */
  async stop(): Promise<void> {
    const c = this.current;
    if (!c) return;
    this.remember(c);
    await c.stop();
  }

  /** Kills its process whatever it is doing: the runner leaves none behind. */
  async kill(): Promise<void> {
    await this.current?.kill();
  }

  private live(): Incarnation {
    const c = this.current;
    if (!c?.running()) throw this.failure ?? new Error(`hub replica ${this.replica} is down`);
    return c;
  }

  private remember(c: Incarnation): void {
    this.failed ??= c.failure;
  }
}
