/** What the SVG figures of the reports share: escaping, a time axis, and labels packed so that none collides. */

export const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Rounds to one decimal place at most, so that coordinates stay short. */
export const r1 = (n: number) => Math.round(n * 10) / 10;

/** The smallest of 1, 2 and 5 times a power of ten that splits `range` into at most `most` steps. */
export function niceStep(range: number, most: number): number {
  const raw = Math.max(range, Number.EPSILON) / Math.max(1, most);
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

/** Tick values from 0 at a nice step, up to `max` inclusive, or past it to the first tick at or above it when `cover`. */
export function ticks(max: number, most: number, cover = false): number[] {
  const step = niceStep(max, most);
  const last = cover ? Math.ceil(max / step - 1e-9) * step : max;
  const out: number[] = [];
  for (let v = 0; v <= last + step * 1e-9; v += step) out.push(Math.round(v * 1000) / 1000);
  return out;
}

/** A time in ms as a tick label: seconds, with a decimal only when the ticks are closer than a second. */
export function secondsLabel(ms: number, stepMs: number): string {
  return stepMs >= 1000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * A time axis along y = `y`, from x0 (time 0) to x1 (time `spanMs`): a line, ticks and their
 * labels in seconds, and the axis' name at its end.
 */
export function timeAxis(opts: { x0: number; x1: number; y: number; spanMs: number; most?: number; className?: string }): string {
  const { x0, x1, y, spanMs } = opts;
  const step = niceStep(spanMs, opts.most ?? 8);
  const x = (ms: number) => r1(x0 + (ms / Math.max(1, spanMs)) * (x1 - x0));
  const parts = [`<line x1="${x0}" y1="${y}" x2="${x1}" y2="${y}" stroke="#555"/>`];
  for (const ms of ticks(spanMs, opts.most ?? 8)) {
    parts.push(
      `<line x1="${x(ms)}" y1="${y}" x2="${x(ms)}" y2="${y + 4}" stroke="#555"/><text x="${x(ms)}" y="${y + 15}" font-size="10" text-anchor="middle" fill="#333">${secondsLabel(ms, step)}</text>`,
    );
  }
  return `<g class="${opts.className ?? "time-axis"}" aria-label="time axis">${parts.join("")}</g>`;
}

/** An approximate width in px of a label at a font size, for packing without a layout engine. */
export const textWidth = (text: string, fontSize: number) => text.length * fontSize * 0.6;

/**
 * Assigns each label, in order of x, the first row in which it does not overlap the label before
 * it, so that labels placed along one axis never collide. Returns the row of each label.
 */
export function packRows(labels: readonly { x: number; width: number }[], gap = 4): number[] {
  const ends: number[] = [];
  const order = labels.map((l, i) => ({ ...l, i })).sort((a, b) => a.x - b.x);
  const rows: number[] = new Array(labels.length).fill(0);
  for (const l of order) {
    let row = ends.findIndex((end) => end + gap <= l.x);
    if (row < 0) row = ends.length;
    ends[row] = l.x + l.width;
    rows[l.i] = row;
  }
  return rows;
}
