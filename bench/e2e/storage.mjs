// The storage engines side by side (`npm run bench:cluster`): a PostgreSQL that counts its
// statements (pg_stat_statements), the brokers' Produce request counts from /metrics, and the
// report: table and bar chart of MB/s with p99 produce latency.
import pg from "pg";
import { startLocalPostgres } from "../../scripts/local-postgres.mjs";
import { groupedBars } from "./plot.mjs";

/** A throwaway PostgreSQL with pg_stat_statements loaded (it needs a restart to load). */
export async function startCountingPostgres() {
  const db = await startLocalPostgres();
  const query = async (sql, params) => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  try {
    await query("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
    db.pause();
    db.start();
    await query("CREATE EXTENSION pg_stat_statements");
  } catch (err) {
    db.stop();
    throw err;
  }
  const batchRows = async () => (await query("SELECT count(*)::int AS n FROM kafka_batches"))[0].n;
  let rowsBefore = 0;
  return {
    url: db.url,
    stop: db.stop,
    async reset() {
      rowsBefore = await batchRows();
      await query("SELECT pg_stat_statements_reset()");
    },
    /** What the database did since reset() for `records` records in `produceRequests` Produce requests to `topic`. */
    async produceWork(topic, records, produceRequests) {
      const statements = await query(
        "SELECT query, calls::int FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) " +
        "AND query NOT LIKE '%pg_stat_statements%'");
      // Every partition log is rows of kafka_batches (__consumer_offsets and __cluster_metadata too).
      const rows = (await batchRows()) - rowsBefore;
      const [{ topicRows }] = await query('SELECT count(*)::int AS "topicRows" FROM kafka_batches WHERE topic = $1', [topic]);
      const appends = statements.filter((s) => s.query.includes("INSERT INTO kafka_batches")).reduce((n, s) => n + s.calls, 0);
      const all = statements.reduce((n, s) => n + s.calls, 0);
      return {
        produceRequests,
        statements: all,
        appendStatements: appends,
        batchRows: rows,
        statementsPerProduce: all / produceRequests,
        appendsPerProduce: appends / produceRequests,
        batchRowsPerAppend: rows / appends,
        recordsPerBatchRow: records / topicRows,
        /** Which statements those were: calls by the start of each statement's text. */
        byStatement: statements.sort((x, y) => y.calls - x.calls).map((x) => ({ calls: x.calls, query: x.query.replace(/\s+/g, " ").trim().slice(0, 90) })),
      };
    },
  };
}

/** Produce requests the brokers listening for HTTP on `ports` have answered. */
export async function produceRequests(ports) {
  let total = 0;
  for (const port of ports) {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    for (const m of text.matchAll(/^kafka_network_requestmetrics_requests_total\{[^}]*request="Produce"[^}]*\} (\d+)/gm)) total += Number(m[1]);
  }
  return total;
}

const f = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "—");
const setupName = (r) => `${r.engine}, ${r.brokers} broker${r.brokers > 1 ? "s" : ""}`;

export function storageMarkdown({ date, machine, runs }) {
  const lines = [];
  lines.push(`Run ${date.slice(0, 16).replace("T", " ")} UTC on ${machine.cpus} × ${machine.model}, Node ${machine.node}; ` +
    `1 KiB values, acks=all, WASM codec, ${runs[0]?.count ?? 0} messages per run; the brokers, PostgreSQL and librdkafka share the same cores.`);
  lines.push("");
  lines.push("| storage | partitions | produce MB/s | p50 ms | p99 ms | consume MB/s | brokers' produce CPU-s/GB | Produce requests | DB statements per Produce | appends per Produce | batch rows per append | records per batch row |");
  lines.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of runs) {
    const d = r.database;
    lines.push(`| ${setupName(r)} | ${r.partitions} | ${f(r.produce.mbPerSec)} | ${f(r.produce.p50Ms, 1)} | ${f(r.produce.p99Ms, 1)} | ` +
      `${f(r.consume.mbPerSec)} | ${f(r.produce.cpuSecondsPerGB, 2)} | ${r.produceRequests} | ${d ? f(d.statementsPerProduce, 2) : "—"} | ` +
      `${d ? f(d.appendsPerProduce, 2) : "—"} | ${d ? f(d.batchRowsPerAppend, 2) : "—"} | ${d ? f(d.recordsPerBatchRow, 1) : "—"} |`);
  }
  lines.push("");
  lines.push("![Produce and consume MB/s by storage engine, p99 produce latency on the bars](bench/storage.svg)");
  lines.push("");
  return `${lines.join("\n")}\n`;
}

const BARS = [
  { phase: "produce", partitions: 1, colour: "#1f77b4", name: "produce, 1 partition" },
  { phase: "produce", partitions: 12, colour: "#aec7e8", name: "produce, 12 partitions" },
  { phase: "consume", partitions: 1, colour: "#d62728", name: "consume, 1 partition" },
  { phase: "consume", partitions: 12, colour: "#ff9896", name: "consume, 12 partitions" },
];

/** MB/s per storage setup, the p99 produce latency written above the produce bars. */
export function storagePlot(runs) {
  const setups = [...new Set(runs.map(setupName))];
  const run = (gi, bar) => runs.find((r) => setupName(r) === setups[gi] && r.partitions === bar.partitions);
  const yMax = Math.ceil(Math.max(10, ...runs.flatMap((r) => [r.produce.mbPerSec, r.consume.mbPerSec])) / 50) * 50;
  return groupedBars({
    title: "MB/s by storage (1 KiB, acks=all; p99 produce ms above the bars)",
    groups: setups,
    bars: BARS,
    value: (gi, bar) => run(gi, bar)?.[bar.phase].mbPerSec ?? 0,
    note: (gi, bar) => (bar.phase === "produce" && run(gi, bar) ? f(run(gi, bar).produce.p99Ms) : undefined),
    yMax,
    yStep: yMax / 5,
  });
}
