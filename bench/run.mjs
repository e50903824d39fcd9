// `npm run bench`: the built codec (dist/) against its peers, all in this one process, then the
// broker's restart cost (bench/restart.mjs, child processes), the test kit's start-up (bench/startup.mjs)
// and the storage engines side by side, files and PostgreSQL with 1 and 3 brokers (bench/cluster.mjs).
// Prints markdown reports, rewrites the generated parts of BENCHMARKS.md, bench/results.json,
// bench/crc32c.svg, bench/restart.json, bench/restart.svg, bench/startup.json, bench/cluster.json and
// bench/cluster.svg. BENCH_BUDGET_MS / BENCH_ROUNDS shorten or lengthen the codec run;
// BENCH_SECTIONS=codec,cluster (any of codec, restart, startup, cluster) runs those parts only.
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { checksum, measureGroup } from "./harness.mjs";
import { crcPeers, kafkajsVarintDecode, kafkajsVarintEncode, plainVarintDecode, plainVarintEncode } from "./peers.mjs";
import { crcPlot, restartPlot } from "./plot.mjs";
import { clusterMarkdown, clusterPlot, clusterSection } from "./cluster.mjs";
import { checkTargets, markdown, restartMarkdown, startupMarkdown, writeBenchmarksMd } from "./report.mjs";
import { restartSection } from "./restart.mjs";
import { startupSection } from "./startup.mjs";
import { loadCodec } from "../dist/codec.js";
import { randomBytes, recordBatch, varintValues } from "./workload.mjs";

const here = new URL("./", import.meta.url);
const settings = {
  budgetMs: Number(process.env.BENCH_BUDGET_MS ?? 300),
  rounds: Number(process.env.BENCH_ROUNDS ?? 5),
  warmupMs: 150,
};
const CRC_SIZES = [64, 1024, 16384, 1 << 20];
const VARINT_COUNT = 1_000_000;
const RECORD_COUNTS = [1, 10, 100, 1000];
const VALUE_SIZES = [100, 1024];

/**
 * In-place inputs live this far into the WASM codec's scratch, above anything the public calls in
 * the same group copy to its start; memory is reserved once up front so it never grows (growing
 * would detach every view made earlier).
 */
const IN_PLACE_AT = 16 << 20;

const progress = (line) => process.stderr.write(`${line}\n`);

async function loadOurs() {
  const wasm = await loadCodec("wasm");
  const js = await loadCodec("js");
  wasm.scratch(2 * IN_PLACE_AT);
  /** A copy of `bytes` inside WASM memory: the codec reads it where it is, without the copy. */
  const inPlace = (bytes) => {
    const view = wasm.scratch(IN_PLACE_AT + bytes.length).subarray(IN_PLACE_AT);
    view.set(bytes);
    return view;
  };
  return { wasm, js, inPlace };
}

function machine() {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? "unknown CPU";
  return {
    cpu: model.trim(),
    cores: cpus().length,
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform}-${process.arch}`,
    flags: process.execArgv.join(" "),
    date: new Date().toISOString().slice(0, 10),
    // Other work on the machine skews absolute figures; interleaving keeps the ratios fairer.
    loadAverageAtStart: loadavg()[0],
  };
}

/** Refuses to time peers that disagree: a fast wrong answer is not a result. */
function agree(what, outputs) {
  const [[firstName, first], ...rest] = Object.entries(outputs);
  for (const [name, value] of rest) {
    const same = ArrayBuffer.isView(value)
      ? value.length === first.length && value.every((x, i) => x === first[i])
      : value === first;
    if (!same) throw new Error(`${what}: ${name} disagrees with ${firstName}`);
  }
}

const byId = (results) => Object.fromEntries(results.map(({ id, ...rest }) => [id, rest]));

async function crcSection({ wasm, js, inPlace }) {
  const thirdParty = Object.entries(await crcPeers());
  const groups = [];
  for (const size of CRC_SIZES) {
    const bytes = randomBytes(size, size);
    const placed = inPlace(bytes);
    const peers = {
      "ours WASM": () => wasm.crc32c(bytes),
      "ours WASM in place": () => wasm.crc32c(placed),
      "ours JS": () => js.crc32c(bytes),
      ...Object.fromEntries(thirdParty.map(([name, crc]) => [name, () => crc(bytes)])),
    };
    const outputs = () => Object.fromEntries(Object.entries(peers).map(([name, crc]) => [name, crc()]));
    agree(`CRC-32C of ${size} B`, outputs());
    const measured = measureGroup(Object.entries(peers).map(([id, fn]) => ({ id, fn, bytes: size })), settings);
    agree(`CRC-32C of ${size} B after timing`, outputs());
    groups.push({ size, peers: byId(measured) });
    progress(`crc32c ${size} B done`);
  }
  return groups;
}

function varintSection({ wasm, js }) {
  const values = varintValues(VARINT_COUNT);
  const scratch = new Uint8Array(VARINT_COUNT * 5);
  const encodedBytes = plainVarintEncode(values, scratch);
  const encoded = scratch.slice(0, encodedBytes);
  const decoded = new Int32Array(VARINT_COUNT);

  const encoders = {
    "ours WASM bulk": () => wasm.encodeVarints(values),
    "ours JS": () => js.encodeVarints(values),
    KafkaJS: () => kafkajsVarintEncode(values),
    "plain JS loop": () => scratch.subarray(0, plainVarintEncode(values, scratch)),
  };
  agree("varint encode", Object.fromEntries(Object.entries(encoders).map(([name, encode]) => [name, encode().slice()])));
  const decoders = {
    "ours WASM bulk": () => wasm.decodeVarints(encoded, VARINT_COUNT, decoded),
    "ours JS": () => js.decodeVarints(encoded, VARINT_COUNT, decoded),
    KafkaJS: () => kafkajsVarintDecode(encoded, VARINT_COUNT, decoded),
    "plain JS loop": () => plainVarintDecode(encoded, VARINT_COUNT, decoded),
  };
  agree("varint decode", Object.fromEntries(Object.entries(decoders).map(([name, decode]) => {
    decoded.fill(0);
    if (decode() !== encodedBytes) throw new Error(`varint decode: ${name} consumed the wrong number of bytes`);
    return [name, decoded.slice()];
  })));
  agree("varint decode", { expected: values, decoded });

  const encode = measureGroup(Object.entries(encoders).map(([id, run]) => ({ id, fn: () => run().length, values: VARINT_COUNT })), settings);
  progress("varint encode done");
  const decode = measureGroup(Object.entries(decoders).map(([id, run]) => ({ id, fn: () => run() ^ decoded[VARINT_COUNT - 1], values: VARINT_COUNT })), settings);
  progress("varint decode done");
  return { count: VARINT_COUNT, encodedBytes, encode: byId(encode), decode: byId(decode) };
}

function batchSection({ wasm, js, inPlace }) {
  const groups = [];
  for (const valueSize of VALUE_SIZES) {
    for (const records of RECORD_COUNTS) {
      const batch = recordBatch(records, valueSize);
      const bytes = js.encodeRecordBatch(batch);
      agree(`encode ${records} × ${valueSize} B`, { JS: bytes, WASM: wasm.encodeRecordBatch(batch) });
      const size = bytes.length;

      const encode = measureGroup([
        { id: "WASM", fn: () => wasm.encodeRecordBatch(batch).length, bytes: size },
        { id: "JS", fn: () => js.encodeRecordBatch(batch).length, bytes: size },
      ], settings);

      const placed = inPlace(bytes);
      const scratch = new Uint8Array(size);
      const validators = {
        WASM: () => wasm.validateRecordBatches(bytes).recordCount,
        "WASM in place": () => wasm.validateRecordBatches(placed).recordCount,
        JS: () => js.validateRecordBatches(bytes).recordCount,
        // The copy alone: roughly what "WASM" pays over "WASM in place".
        copy: () => (scratch.set(bytes), scratch[size - 1]),
      };
      const check = (when) => {
        for (const [name, validate] of Object.entries(validators)) {
          if (name !== "copy" && validate() !== records) throw new Error(`validate ${records} × ${valueSize} B ${when}: ${name} disagrees`);
        }
      };
      check("before timing");
      const { copy, ...validate } = byId(measureGroup(Object.entries(validators).map(([id, fn]) => ({ id, fn, bytes: size })), settings));
      check("after timing");
      groups.push({ valueSize, records, batchBytes: size, encode: byId(encode), validate, copy });
      progress(`batch ${records} × ${valueSize} B done`);
    }
  }
  return groups;
}

const NOTES = [
  "\"WASM\" columns call the public API with an ordinary `Uint8Array`, so they include the codec's copy of the input into WASM memory; \"in place\" passes a view of WASM memory from `codec.scratch(size)`, which the codec reads where it is.",
  "\"copy alone\" is `Uint8Array.prototype.set` of the batch into a preallocated array of the same size: roughly what the copy into WASM memory costs.",
  "Encode always goes through the public API: the WASM codec copies keys and values into its memory and the finished batch out (`slice`).",
];

const sections = (process.env.BENCH_SECTIONS ?? "codec,restart,startup,cluster").split(",");

if (sections.includes("codec")) {
  const started = Date.now();
  const ours = await loadOurs();
  const results = { machine: machine(), settings, notes: NOTES };
  results.crc32c = await crcSection(ours);
  results.varint = varintSection(ours);
  results.batch = batchSection(ours);
  results.targets = checkTargets(results);
  results.machine.loadAverageAtEnd = loadavg()[0];
  results.checksum = checksum();
  results.seconds = Math.round((Date.now() - started) / 1000);

  const report = markdown(results);
  process.stdout.write(`${report}\n`);
  writeFileSync(new URL("results.json", here), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(new URL("crc32c.svg", here), crcPlot(Object.keys(results.crc32c[0].peers).map((name) => ({
    name,
    points: results.crc32c.map((g) => ({ size: g.size, mbPerSec: g.peers[name].mbPerSec })),
  }))));
  writeBenchmarksMd(new URL("../BENCHMARKS.md", here), report);
  progress(`codec bench took ${results.seconds} s`);
}

/**
 * A section measured with brokers as child processes: `measure()` gives `results[name]`, `report`
 * its markdown, `plot` (if any) its SVG; writes bench/<name>.json and the bench:<name> part of BENCHMARKS.md.
 */
async function brokerSection(name, measure, report, plot) {
  const started = Date.now();
  const results = { machine: machine(), [name]: await measure() };
  results.machine.loadAverageAtEnd = loadavg()[0];
  results.seconds = Math.round((Date.now() - started) / 1000);
  const text = report(results);
  process.stdout.write(`${text}\n`);
  writeFileSync(new URL(`${name}.json`, here), `${JSON.stringify(results, null, 2)}\n`);
  if (plot) writeFileSync(new URL(`${name}.svg`, here), plot(results[name]));
  writeBenchmarksMd(new URL("../BENCHMARKS.md", here), text, `bench:${name}`);
  progress(`${name} bench took ${results.seconds} s`);
}

if (sections.includes("restart")) await brokerSection("restart", restartSection, restartMarkdown, (restart) => restartPlot(restart.rows));
if (sections.includes("startup")) await brokerSection("startup", startupSection, startupMarkdown);
if (sections.includes("cluster")) await brokerSection("cluster", clusterSection, clusterMarkdown, (cluster) => clusterPlot(cluster.runs));
