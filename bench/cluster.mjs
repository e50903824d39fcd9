// The cluster section of `npm run bench`: the storage engines side by side. The librdkafka load
// generator (bench/e2e/load.mjs) produces 1 KiB values at acks=all, then consumes them, through one
// broker on the files engine, one broker on PostgreSQL and three brokers sharing one PostgreSQL
// (the client spreads over them by Metadata leadership), for 1 and 12 partitions. Each PostgreSQL
// run gets a fresh `initdb` database with pg_stat_statements loaded, which counts and times the
// brokers' statements: database round trips per Produce request, rows per append statement, and the
// time PostgreSQL spent in them. BENCH_CLUSTER_MB (default 64) sets the data per run.
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { compileLoadgen, measured, processStat, runLoadgen, startBrokers } from "./e2e/load.mjs";
import { groupedBars } from "./e2e/plot.mjs";
import { table } from "./report.mjs";
import { startLocalPostgres } from "../scripts/local-postgres.mjs";

const SETUPS = [{ engine: "files", brokers: 1 }, { engine: "postgres", brokers: 1 }, { engine: "postgres", brokers: 3 }];
const PARTITIONS = [1, 12];
const VALUE_BYTES = 1024;
const MB_PER_RUN = Number(process.env.BENCH_CLUSTER_MB ?? 64);
/** A name whose 12 partitions the rendezvous hash spreads 4 / 4 / 4 over brokers 1, 2 and 3. */
const TOPIC = "cluster-bench";
/**
 * Each message to a random partition: librdkafka's sticky partitioner would fill one partition's
 * batch at a time, so a short run touches a few partitions and, with three brokers, one or two leaders.
 */
const PRODUCER_CONFIGS = ["sticky.partitioning.linger.ms=0"];
const progress = (line) => process.stderr.write(`${line}\n`);

/** CPU-seconds of the server: the postmaster (first line of postmaster.pid) and its children alive now. */
function serverCpuSeconds(dataDir) {
  const postmaster = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  let seconds = 0;
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    let stat;
    try {
      stat = processStat(pid);
    } catch {
      continue; // exited meanwhile
    }
    if (Number(pid) === postmaster || stat.ppid === postmaster) seconds += stat.user + stat.system;
  }
  return seconds;
}

/** A throwaway PostgreSQL with pg_stat_statements loaded (it needs a restart to load). */
async function startCountingPostgres() {
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
  let cpuBefore = 0;
  const cpu = () => serverCpuSeconds(db.dataDir);
  return {
    url: db.url,
    stop: db.stop,
    async reset() {
      rowsBefore = await batchRows();
      await query("SELECT pg_stat_statements_reset()");
      cpuBefore = cpu();
    },
    /** What the database did since reset() for `records` records of `bytes` in `produceRequests` Produce requests to `topic`. */
    async produceWork(topic, records, bytes, produceRequests) {
      const work = await since(bytes);
      // Every partition log is rows of kafka_batches (__consumer_offsets and __cluster_metadata too).
      const rows = (await batchRows()) - rowsBefore;
      const [{ topicRows }] = await query('SELECT count(*)::int AS "topicRows" FROM kafka_batches WHERE topic = $1', [topic]);
      const append = calls(work, "INSERT INTO kafka_batches");
      return {
        ...work,
        statementsPerProduce: work.statements / produceRequests,
        appendsPerProduce: append.calls / produceRequests,
        batchRowsPerAppend: rows / append.calls,
        recordsPerBatchRow: records / topicRows,
        /** Server time inside the append statement (planning and commit excluded), per statement. */
        msPerAppend: append.ms / append.calls,
      };
    },
    /** What the database did since reset() for `fetchRequests` Fetch requests that read `bytes`. */
    async consumeWork(bytes, fetchRequests) {
      const work = await since(bytes);
      const read = calls(work, "sum(length(bytes)) OVER");
      return { ...work, statementsPerFetch: work.statements / fetchRequests, readsPerFetch: read.calls / fetchRequests, msPerRead: read.ms / read.calls };
    },
  };

  /** The statements run and the server's CPU since reset(), that CPU per GB of `bytes`. */
  async function since(bytes) {
    const cpuSecondsSpent = cpu() - cpuBefore;
    const statements = await query(
      "SELECT query, calls::int, total_exec_time AS ms FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) " +
      "AND query NOT LIKE '%pg_stat_statements%'");
    return {
      statements: statements.reduce((n, s) => n + s.calls, 0),
      /** The server's processes' CPU (postmaster and the backends alive at the end) per GB of values. */
      cpuSecondsPerGB: cpuSecondsSpent / (bytes / 1e9),
      /** Which statements those were: calls and server ms by the start of each statement's text. */
      byStatement: statements.sort((x, y) => y.calls - x.calls).map((x) => ({ calls: x.calls, ms: x.ms, query: x.query.replace(/\s+/g, " ").trim() })),
    };
  }
}

/** Calls and server ms of the statements whose text contains `text`. */
function calls(work, text) {
  const matching = work.byStatement.filter((s) => s.query.includes(text));
  return { calls: matching.reduce((n, s) => n + s.calls, 0), ms: matching.reduce((n, s) => n + s.ms, 0) };
}

/** Requests of `api` each broker listening for HTTP on `ports` has answered (its /metrics). */
async function requestsByBroker(ports, api) {
  const counts = [];
  for (const port of ports) {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    let n = 0;
    for (const m of text.matchAll(new RegExp(`^kafka_network_requestmetrics_requests_total\\{[^}]*request="${api}"[^}]*\\} (\\d+)`, "gm"))) n += Number(m[1]);
    counts.push(n);
  }
  return counts;
}

const minus = (after, before) => after.map((n, i) => n - before[i]);
const sum = (counts) => counts.reduce((a, b) => a + b, 0);

async function oneRun(loadgen, setup, partitions, count) {
  const db = setup.engine === "postgres" ? await startCountingPostgres() : undefined;
  try {
    const broker = await startBrokers({ partitions, brokers: setup.brokers, postgresUrl: db?.url, httpPorts: true });
    try {
      await runLoadgen(loadgen, ["create", broker.bootstrap, TOPIC]);
      const producesBefore = await requestsByBroker(broker.httpPorts, "Produce");
      await db?.reset();
      const produce = await measured(broker, loadgen, ["produce", broker.bootstrap, TOPIC, String(VALUE_BYTES), String(count), "all", "0", ...PRODUCER_CONFIGS]);
      const producesByBroker = minus(await requestsByBroker(broker.httpPorts, "Produce"), producesBefore);
      const database = await db?.produceWork(TOPIC, count, produce.bytes, sum(producesByBroker));
      const fetchesBefore = await requestsByBroker(broker.httpPorts, "Fetch");
      await db?.reset();
      const consume = await measured(broker, loadgen, ["consume", broker.bootstrap, TOPIC, String(partitions), String(count)]);
      const fetchesByBroker = minus(await requestsByBroker(broker.httpPorts, "Fetch"), fetchesBefore);
      const consumeDatabase = await db?.consumeWork(consume.bytes, sum(fetchesByBroker));
      return { ...setup, partitions, size: VALUE_BYTES, acks: "all", count, producesByBroker, fetchesByBroker, produce, consume, database, consumeDatabase };
    } finally {
      await broker.stop();
    }
  } finally {
    db?.stop();
  }
}

export async function clusterSection() {
  const loadgen = compileLoadgen();
  const count = Math.floor((MB_PER_RUN * 1024 * 1024) / VALUE_BYTES);
  const runs = [];
  try {
    for (const setup of SETUPS) {
      for (const partitions of PARTITIONS) {
        const run = await oneRun(loadgen, setup, partitions, count);
        runs.push(run);
        const d = run.database;
        progress(`cluster bench ${setupName(run)}, ${partitions} partition(s): produce ${f(run.produce.mbPerSec)} MB/s p99 ${f(run.produce.p99Ms, 1)} ms; ` +
          `consume ${f(run.consume.mbPerSec)} MB/s; Produce requests ${run.producesByBroker.join("/")}` +
          (d ? `; ${f(d.statementsPerProduce, 2)} statements per Produce, ${f(d.batchRowsPerAppend, 2)} rows per append, ${f(d.msPerAppend, 1)} ms per append` : ""));
      }
    }
  } finally {
    rmSync(loadgen, { force: true });
  }
  return { valueBytes: VALUE_BYTES, mbPerRun: MB_PER_RUN, runs };
}

const f = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "—");
const setupName = (r) => `${r.engine}, ${r.brokers} broker${r.brokers > 1 ? "s" : ""}`;

/** [header, cell of a run]; `db` cells read the run's database figures and are "—" without a database. */
const PRODUCE_COLUMNS = [
  ["storage", (r) => setupName(r)],
  ["partitions", (r) => String(r.partitions)],
  ["produce MB/s", (r) => f(r.produce.mbPerSec)],
  ["p50 ms", (r) => f(r.produce.p50Ms, 1)],
  ["p99 ms", (r) => f(r.produce.p99Ms, 1)],
  ["Produce requests (per broker)", (r) => r.producesByBroker.join(" / ")],
  ["brokers' CPU-s/GB", (r) => f(r.produce.cpuSecondsPerGB, 2)],
  ["database's CPU-s/GB", db((d) => f(d.cpuSecondsPerGB, 2))],
  ["DB statements per Produce", db((d) => f(d.statementsPerProduce, 2))],
  ["appends per Produce", db((d) => f(d.appendsPerProduce, 2))],
  ["rows per append", db((d) => f(d.batchRowsPerAppend, 2))],
  ["records per row", db((d) => f(d.recordsPerBatchRow, 1))],
  ["server ms per append", db((d) => f(d.msPerAppend, 1))],
];
const CONSUME_COLUMNS = [
  ...PRODUCE_COLUMNS.slice(0, 2),
  ["consume MB/s", (r) => f(r.consume.mbPerSec)],
  ["Fetch requests (per broker)", (r) => r.fetchesByBroker.join(" / ")],
  ["brokers' CPU-s/GB", (r) => f(r.consume.cpuSecondsPerGB, 2)],
  ["database's CPU-s/GB", db((d) => f(d.cpuSecondsPerGB, 2), "consumeDatabase")],
  ["DB statements per Fetch", db((d) => f(d.statementsPerFetch, 2), "consumeDatabase")],
  ["reads per Fetch", db((d) => f(d.readsPerFetch, 2), "consumeDatabase")],
  ["server ms per read", db((d) => f(d.msPerRead, 1), "consumeDatabase")],
];

function db(cell, phase = "database") {
  return (r) => (r[phase] ? cell(r[phase]) : "—");
}

const runsTable = (columns, runs) => table(columns.map(([header]) => header), runs.map((r) => columns.map(([, cell]) => cell(r))));

export function clusterMarkdown({ machine, cluster }) {
  const { runs } = cluster;
  return [
    `Measured ${machine.date} on ${machine.cpu} (${machine.cores} cores), Node ${machine.node}, 1-minute load average ${machine.loadAverageAtStart.toFixed(2)} at the start and ${machine.loadAverageAtEnd.toFixed(2)} at the end; ` +
      `${cluster.valueBytes}-byte values, acks=all, WASM codec, ${runs[0]?.count ?? 0} messages per run; the brokers, PostgreSQL and librdkafka share the same cores.`,
    "",
    "Produce:",
    "",
    runsTable(PRODUCE_COLUMNS, runs),
    "",
    "Consume, same runs:",
    "",
    runsTable(CONSUME_COLUMNS, runs),
    "",
    "![Produce and consume MB/s by storage engine, p99 produce latency on the bars](bench/cluster.svg)",
  ].join("\n");
}

const BARS = [
  { phase: "produce", partitions: 1, colour: "#1f77b4", name: "produce, 1 partition" },
  { phase: "produce", partitions: 12, colour: "#aec7e8", name: "produce, 12 partitions" },
  { phase: "consume", partitions: 1, colour: "#d62728", name: "consume, 1 partition" },
  { phase: "consume", partitions: 12, colour: "#ff9896", name: "consume, 12 partitions" },
];

/** MB/s per storage setup, the p99 produce latency written above the produce bars. */
export function clusterPlot(runs) {
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
