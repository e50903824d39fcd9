// Hand-written SVG bar charts: the broker's CPU-seconds per GB, produce and consume, per value size
// (1 partition, acks=all), WASM and JS codec side by side, with the targets as dashed lines; and
// (through `groupedBars`) the storage engines' MB/s.
const WIDTH = 760;
const HEIGHT = 400;
const MARGIN = { left: 60, right: 200, top: 40, bottom: 50 };
const BARS = [
  { phase: "produce", codec: "wasm", colour: "#1f77b4", name: "produce, WASM codec" },
  { phase: "produce", codec: "js", colour: "#aec7e8", name: "produce, JS codec" },
  { phase: "consume", codec: "wasm", colour: "#d62728", name: "consume, WASM codec" },
  { phase: "consume", codec: "js", colour: "#ff9896", name: "consume, JS codec" },
];
const TARGETS = [{ value: 0.8, name: "produce target 0.8", colour: "#1f77b4" }, { value: 0.5, name: "consume target 0.5", colour: "#d62728" }];

const sizeName = (size) => (size >= 1024 ? `${size / 1024} KiB` : `${size} B`);

export function e2ePlot(runs) {
  const shown = runs.filter((r) => r.partitions === 1 && r.acks === "all");
  const sizes = [...new Set(shown.map((r) => r.size))].sort((a, b) => a - b);
  const value = (gi, bar) => shown.find((r) => r.size === sizes[gi] && r.codec === bar.codec)?.[bar.phase].cpuSecondsPerGB ?? 0;
  const yMax = Math.ceil(Math.max(1, ...sizes.flatMap((_, gi) => BARS.map((b) => value(gi, b)))) * 2) / 2;
  return groupedBars({
    title: "Broker CPU-seconds per GB (lower is better; 1 partition, acks=all)",
    groups: sizes.map((s) => `${sizeName(s)} values`),
    bars: BARS,
    value,
    yMax,
    yStep: 0.5,
    targets: TARGETS,
  });
}

/**
 * Bars `bars` (colour, name) for each of `groups` (labels); `value(groupIndex, bar)` is a bar's height,
 * `note(groupIndex, bar)` an optional text above it; `targets` (value, name, colour) are dashed lines.
 */
export function groupedBars({ title, groups, bars, value, note = () => undefined, yMax, yStep, targets = [] }) {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const y = (v) => MARGIN.top + plotH - (v / yMax) * plotH;
  const groupW = plotW / Math.max(1, groups.length);
  const barW = (groupW * 0.7) / bars.length;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`);
  out.push(`<text x="${MARGIN.left}" y="24" font-size="15" font-weight="bold">${title}</text>`);
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    out.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`);
    out.push(`<text x="${MARGIN.left - 8}" y="${y(v).toFixed(1)}" text-anchor="end" dominant-baseline="middle">${v.toFixed(yStep < 1 ? 1 : 0)}</text>`);
  }
  groups.forEach((label, gi) => {
    const gx = MARGIN.left + gi * groupW + groupW * 0.15;
    bars.forEach((bar, bi) => {
      const v = value(gi, bar);
      const x = gx + bi * barW;
      out.push(`<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(y(0) - y(v)).toFixed(1)}" fill="${bar.colour}"/>`);
      const text = note(gi, bar);
      if (text !== undefined) out.push(`<text x="${(x + barW / 2).toFixed(1)}" y="${(y(v) - 4).toFixed(1)}" text-anchor="middle" font-size="10">${text}</text>`);
    });
    out.push(`<text x="${(gx + (bars.length * barW) / 2).toFixed(1)}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${label}</text>`);
  });
  for (const t of targets) {
    out.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y(t.value).toFixed(1)}" y2="${y(t.value).toFixed(1)}" stroke="${t.colour}" stroke-dasharray="6 4"/>`);
  }
  out.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`);
  [...bars.map((b) => ({ ...b, dashed: false })), ...targets.map((t) => ({ ...t, dashed: true }))].forEach((item, i) => {
    const lx = MARGIN.left + plotW + 16;
    const ly = MARGIN.top + 14 + i * 20;
    out.push(item.dashed
      ? `<line x1="${lx}" x2="${lx + 18}" y1="${ly}" y2="${ly}" stroke="${item.colour}" stroke-dasharray="6 4"/>`
      : `<rect x="${lx}" y="${ly - 6}" width="18" height="12" fill="${item.colour}"/>`);
    out.push(`<text x="${lx + 24}" y="${ly}" dominant-baseline="middle">${item.name}</text>`);
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
