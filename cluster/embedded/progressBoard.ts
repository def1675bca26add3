import { progressLine } from "../../hub/view/progressLine.ts";
import type { QueryView } from "../../hub/view/statusView.ts";

const SHOWN = 8;

/**
 * The terminal's view of the network. On a TTY it redraws one line per recent query in place;
 * piped to a file it appends a line each time a query's line changes, so a log stays readable.
 */
export class ProgressBoard {
  private readonly lines = new Map<string, string>();
  private drawn = 0;

  constructor(private readonly out: NodeJS.WriteStream) {}

  update(view: QueryView): void {
    const line = progressLine(view);
    if (this.lines.get(view.id) === line) return;
    this.lines.delete(view.id);
    this.lines.set(view.id, line);
    if (this.lines.size > SHOWN) this.lines.delete(this.lines.keys().next().value as string);
    if (!this.out.isTTY) {
      this.out.write(`${line}\n`);
      return;
    }
    const width = this.out.columns ?? 160;
    const block = [...this.lines.values()].map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
    const up = this.drawn > 0 ? `\x1b[${this.drawn}A` : "";
    this.out.write(`${up}${block.map((l) => `\x1b[2K${l}`).join("\n")}\n`);
    this.drawn = block.length;
  }
}
