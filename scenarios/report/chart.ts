import { esc, packRows, r1, textWidth, ticks, timeAxis } from "./svg.ts";

/** A fault window on the run's clock, relative to its start. */
export interface Window {
  label: string;
  from: number;
  to: number;
}

export interface Series {
  name: string;
  colour: string;
  /** [ms since the start of the run, value], in time order. */
  points: readonly (readonly [number, number])[];
}

export interface Chart {
  title: string;
  /** The y axis' unit, e.g. "per second". */
  unit: string;
  spanMs: number;
  series: readonly Series[];
  windows: readonly Window[];
  width?: number;
}

/**
 * A line chart over the run's time as a standalone SVG document: the series as step lines, a time
 * axis in seconds, a value axis from zero, and each fault window shaded with its label above the
 * plot, labels packed into rows so that none collides. No script, no external resource.
 */
export function lineChart(c: Chart): string {
  const W = c.width ?? 720;
  const windows = c.windows.filter((w) => w.to > w.from || w.to === w.from);
  const left = 48;
  const right = W - 12;
  const x = (ms: number) => r1(left + (Math.min(Math.max(ms, 0), c.spanMs) / Math.max(1, c.spanMs)) * (right - left));
  const rows = packRows(windows.map((w) => ({ x: x(w.from), width: textWidth(w.label, 10) })));
  const labelRows = windows.length ? Math.max(...rows) + 1 : 0;
  const legendH = 16;
  const top = 28 + legendH + labelRows * 12;
  const plotH = 160;
  const bottom = top + plotH;
  const H = bottom + 28;
  const max = Math.max(1, ...c.series.flatMap((s) => s.points.map((p) => p[1])));
  const yTicks = ticks(max, 4, true);
  const yMax = yTicks.at(-1) as number;
  const y = (v: number) => r1(bottom - (v / yMax) * plotH);

  const shaded = windows.map((w, i) => {
    const x0 = x(w.from);
    const width = Math.max(2, x(w.to) - x0);
    const ly = 28 + legendH + (rows[i] as number) * 12 + 9;
    return `<g class="fault-window"><rect x="${x0}" y="${top}" width="${r1(width)}" height="${plotH}" fill="#f4a3a3" opacity="0.35"><title>${esc(w.label)}: ${w.from}-${w.to} ms</title></rect><text x="${x0}" y="${ly}" font-size="10" fill="#a33">${esc(w.label)}</text></g>`;
  });
  const grid = yTicks.map(
    (v) =>
      `<line x1="${left}" y1="${y(v)}" x2="${right}" y2="${y(v)}" stroke="#eee"/><text x="${left - 4}" y="${y(v) + 3}" font-size="10" text-anchor="end" fill="#333">${v}</text>`,
  );
  const lines = c.series.map((s) => {
    if (s.points.length === 0) return "";
    const d = s.points.map(([t, v], i) => `${i === 0 ? "M" : "L"}${x(t)},${y(v)}`).join(" ");
    return `<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="1.5"><title>${esc(s.name)}</title></path>`;
  });
  let lx = left;
  const legend = c.series.map((s) => {
    const item = `<rect x="${lx}" y="${28}" width="10" height="10" fill="${s.colour}"/><text x="${lx + 14}" y="${37}" font-size="11">${esc(s.name)}</text>`;
    lx += 24 + textWidth(s.name, 11);
    return item;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui,sans-serif">
<title>${esc(c.title)}</title>
<rect width="${W}" height="${H}" fill="#fff"/>
<text x="${left}" y="16" font-size="13" font-weight="600">${esc(c.title)}</text><text x="${right}" y="16" font-size="11" text-anchor="end" fill="#555">${esc(c.unit)}</text>
${legend.join("")}
${shaded.join("")}
${grid.join("")}
${lines.join("")}
${timeAxis({ x0: left, x1: right, y: bottom, spanMs: c.spanMs })}
</svg>
`;
}
