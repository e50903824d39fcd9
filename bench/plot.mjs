// Hand-written SVG line charts, log-x and log-y: CRC-32C throughput by input size, restart time by log size.
import { sizeLabel } from "./report.mjs";

const WIDTH = 720;
const HEIGHT = 440;
const MARGIN = { left: 70, right: 170, top: 40, bottom: 50 };
const COLOURS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"];

const escape = (text) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** `series`: [{ name, points: [{ size, mbPerSec }] }]. */
export function crcPlot(series) {
  return linePlot(
    series.map((s) => ({ name: s.name, points: s.points.map((p) => ({ x: p.size, y: p.mbPerSec })) })),
    { title: "CRC-32C throughput (higher is better)", xLabel: "input size (log scale)", yLabel: "MB/s (log scale)", xTick: sizeLabel },
  );
}

/** `rows` of bench/restart.mjs: ms to the first answer against the log's size, one line per situation. */
export function restartPlot(rows) {
  const series = [
    ["full scan (before)", "fullScanMs"],
    ["after kill -9", "afterKillMs"],
    ["clean restart", "cleanMs"],
  ].map(([name, field]) => ({ name, points: rows.map((r) => ({ x: r.gib, y: r[field] })) }));
  return linePlot(series, { title: "Start to first answer, one partition (lower is better)", xLabel: "log size (log scale)", yLabel: "ms (log scale)", xTick: (gib) => `${gib} GiB` });
}

/** `series`: [{ name, points: [{ x, y }] }], both axes logarithmic (x in powers of two, y in decades). */
function linePlot(series, { title, xLabel, yLabel, xTick }) {
  const sizes = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  const speeds = series.flatMap((s) => s.points.map((p) => p.y)).filter((v) => v > 0);
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...speeds)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...speeds)));
  const xMin = Math.log2(sizes[0]);
  const xMax = Math.log2(sizes[sizes.length - 1]);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (size) => MARGIN.left + ((Math.log2(size) - xMin) / (xMax - xMin)) * plotW;
  const y = (mb) => MARGIN.top + plotH - ((Math.log10(mb) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * plotH;

  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`);
  out.push(`<text x="${MARGIN.left}" y="24" font-size="15" font-weight="bold">${escape(title)}</text>`);
  for (let decade = yMin; decade <= yMax; decade *= 10) {
    const py = y(decade).toFixed(1);
    out.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${py}" y2="${py}" stroke="#ddd"/>`);
    out.push(`<text x="${MARGIN.left - 8}" y="${py}" text-anchor="end" dominant-baseline="middle">${decade >= 1 ? decade : decade.toPrecision(1)}</text>`);
  }
  for (const size of sizes) {
    const px = x(size).toFixed(1);
    out.push(`<line x1="${px}" x2="${px}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#ddd"/>`);
    out.push(`<text x="${px}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${xTick(size)}</text>`);
  }
  out.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`);
  out.push(`<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle">${escape(xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escape(yLabel)}</text>`);
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const points = s.points.filter((p) => p.y > 0).map((p) => `${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`);
    out.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.join(" ")}"/>`);
    for (const point of points) {
      const [px, py] = point.split(",");
      out.push(`<circle cx="${px}" cy="${py}" r="3.5" fill="${colour}"/>`);
    }
    const ly = MARGIN.top + 14 + i * 20;
    const lx = MARGIN.left + plotW + 16;
    out.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`);
    out.push(`<text x="${lx + 28}" y="${ly}" dominant-baseline="middle">${escape(s.name)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}
