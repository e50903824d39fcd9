// Timing core. Peers that are compared are measured round-robin in one process, so drift
// (frequency scaling, GC, a noisy neighbour) lands on all of them alike and ratios stay fair.
import { performance } from "node:perf_hooks";

/** Everything a measured call returns is folded in here and reported, so no call is dead code. */
let sink = 0;
export const checksum = () => sink >>> 0;

// Each case gets its own loop function (its own SharedFunctionInfo and feedback), so the call
// `fn()` stays monomorphic and V8 may inline the case as it would in a real caller.
function makeLoop() {
  return new Function("fn", "n", "let acc = 0; for (let i = 0; i < n; i++) acc = (acc + fn()) | 0; return acc;");
}

/** Runs `loop` in chunks of `n` calls until `ms` have passed; returns calls per second. */
function timed(c, n, ms) {
  let calls = 0;
  const start = performance.now();
  let now = start;
  do {
    sink ^= c.loop(c.fn, n);
    calls += n;
    now = performance.now();
  } while (now - start < ms);
  return (calls * 1000) / (now - start);
}

/** Doubles the chunk size until a chunk takes ~`chunkMs`; the doubling doubles as warm-up. */
function calibrate(c, warmupMs, chunkMs) {
  let n = 1;
  const until = performance.now() + warmupMs;
  for (;;) {
    const start = performance.now();
    sink ^= c.loop(c.fn, n);
    const took = performance.now() - start;
    if (took >= chunkMs && performance.now() >= until) return n;
    if (took < chunkMs) n *= 2;
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Measures a group of peers. Each case is `{ id, fn, bytes?, values? }` where `fn` performs one
 * operation and returns a number; `bytes`/`values` are what one operation processes.
 * Returns per case: median ops/s over `rounds`, the spread (min..max), and derived MB/s or Mvalues/s.
 */
export function measureGroup(cases, { budgetMs, rounds, warmupMs }) {
  const chunkMs = Math.max(1, budgetMs / 20);
  const live = cases.map((c) => ({ ...c, loop: makeLoop() }));
  for (const c of live) c.n = calibrate(c, warmupMs, chunkMs);
  const samples = live.map(() => []);
  for (let r = 0; r < rounds; r++) {
    // Rotate the starting peer so no one always runs right after the same neighbour.
    for (let k = 0; k < live.length; k++) {
      const i = (k + r) % live.length;
      samples[i].push(timed(live[i], live[i].n, budgetMs));
    }
  }
  return live.map((c, i) => {
    const opsPerSec = median(samples[i]);
    const result = {
      id: c.id,
      opsPerSec,
      minOpsPerSec: Math.min(...samples[i]),
      maxOpsPerSec: Math.max(...samples[i]),
    };
    if (c.bytes) result.mbPerSec = (opsPerSec * c.bytes) / 1e6;
    if (c.values) result.mValuesPerSec = (opsPerSec * c.values) / 1e6;
    return result;
  });
}
