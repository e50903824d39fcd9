// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function, the heaviest first, with
// the caller chain of each, so the closing note can say where the broker's CPU goes.
import { readFileSync } from "node:fs";

export function profileSummary(path, top = 15) {
  const prof = JSON.parse(readFileSync(path, "utf8"));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map();
  prof.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
  const name = (n) => n.callFrame.functionName || "(anonymous)";
  const rows = new Map();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (name(node) === "(idle)") continue;
    busy += us;
    const callers = [];
    for (let p = parent.get(id), d = 0; p !== undefined && d < 4; p = parent.get(p), d++) callers.push(name(byId.get(p)));
    const key = `${name(node)} ← ${callers.join(" ← ")}`;
    rows.set(key, (rows.get(key) ?? 0) + us);
  }
  const lines = [`busy (not idle) ${(busy / 1000).toFixed(0)} ms; self time by function and callers:`, ""];
  for (const [key, us] of [...rows].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`${(us / 1000).toFixed(0).padStart(6)} ms ${((us / busy) * 100).toFixed(1).padStart(5)}%  ${key}`);
  }
  return `${lines.join("\n")}\n`;
}
