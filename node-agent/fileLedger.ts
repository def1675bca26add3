import { mkdir, open, readFile, rename, truncate } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Logger } from "../shared/log.ts";
import { silentLogger } from "../shared/log.ts";
import { IndexedLedger, type LedgerEntry, LedgerEntry as LedgerEntrySchema, LedgerIndex } from "./ledger.ts";

interface Pending {
  line: string;
  entry: LedgerEntry;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Where a node keeps its ledger inside QNET_NODE_STATE_DIR. */
export function ledgerPath(stateDir: string, nodeId: string): string {
  return join(stateDir, `node-${nodeId}.ledger.jsonl`);
}

/**
 * The ledger as JSON lines, appended and fsynced before a record resolves. Records arriving
 * while a write is in flight share the next write and fsync (group commit). On open the log is
 * replayed, a torn last line from a crash is cut off, and a log grown well past its live entries
 * is rewritten compactly (write a new file, fsync, rename over the old one).
 */
export class FileLedger extends IndexedLedger {
  readonly name = "file";
  private handle: FileHandle | undefined;
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    readonly path: string,
    private readonly log: Logger = silentLogger,
  ) {
    super();
  }

  async open(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    this.index = new LedgerIndex();
    const lines = await this.readLines();
    lines.forEach((line, i) => {
      if (line.trim() === "") return;
      const entry = parseLine(line);
      if (entry.ok) this.index.apply(entry.entry);
      else this.log.warn({ path: this.path, line: i + 1, reason: entry.reason }, "skipping an unreadable ledger line");
    });
    const live = [...this.index.entries()];
    if (lines.length > 1000 && lines.length > 2 * live.length) await this.rewrite(live);
    this.handle = await open(this.path, "a");
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.handle?.close();
    this.handle = undefined;
  }

  protected append(entry: LedgerEntry): Promise<void> {
    if (!this.handle) return Promise.reject(new Error(`ledger ${this.path} is not open`));
    return new Promise((resolve, reject) => {
      this.queue.push({ line: `${JSON.stringify(entry)}\n`, entry, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      try {
        const handle = this.handle;
        if (!handle) throw new Error(`ledger ${this.path} was closed`);
        await handle.write(batch.map((p) => p.line).join(""));
        await handle.sync();
        for (const p of batch) {
          this.index.apply(p.entry);
          p.resolve();
        }
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
    // Cleared in the same step as the last look at the queue: a record queued after it starts a new flush.
    this.flushing = undefined;
  }

  /** The log's complete lines; a torn tail (a crash mid-write) is cut off so the next append starts clean. */
  private async readLines(): Promise<string[]> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const end = bytes.lastIndexOf(0x0a) + 1;
    if (end < bytes.length) {
      this.log.warn({ path: this.path, bytes: bytes.length - end }, "cutting a torn last line off the ledger");
      await truncate(this.path, end);
    }
    return bytes.subarray(0, end).toString("utf8").split("\n");
  }

  private async rewrite(entries: LedgerEntry[]): Promise<void> {
    const next = `${this.path}.compact`;
    const handle = await open(next, "w");
    try {
      await handle.write(entries.map((e) => `${JSON.stringify(e)}\n`).join(""));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(next, this.path);
    const dir = await open(dirname(this.path), "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    this.log.info({ path: this.path, entries: entries.length }, "compacted the ledger");
  }
}

function parseLine(line: string): { ok: true; entry: LedgerEntry } | { ok: false; reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    return { ok: false, reason: `not JSON: ${(e as Error).message}` };
  }
  const parsed = LedgerEntrySchema.safeParse(raw);
  return parsed.success ? { ok: true, entry: parsed.data } : { ok: false, reason: parsed.error.issues[0]?.message ?? "invalid entry" };
}
