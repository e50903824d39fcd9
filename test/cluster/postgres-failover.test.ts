// Three broker processes over one PostgreSQL database, with librdkafka clients (confluent-kafka) spread
// over them: kill -9 the broker coordinating the consumer group mid-stream (and one consumer), bring it
// back, and kill it again. Every acknowledged record must be in the log exactly once, in order, and read
// by the group, which picks partitions up from its committed offsets.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { type LocalPostgres, startLocalPostgres } from "../../scripts/local-postgres.mjs";
import { BrokerChild } from "../support/broker-child.ts";
import { describeWith } from "../support/system-clients.ts";
import { type RunningDriver, startPythonDriver } from "../clients/support/python.ts";
import { eventually } from "../clients/support/wait.ts";
import { decodeResponse, RawClient } from "../support/raw-client.ts";
import { FindCoordinator } from "../support/messages.ts";
import { PostgresEngine } from "../../src/storage/postgres/postgres-engine.ts";
import { codec, tempDir } from "../storage/support.ts";

const TOPIC = "orders";
const PARTITIONS = 6;
const GROUP = "failover";
const COUNT = 5000;
const RATE = 150;
const DRIVER = "confluent_kafka_failover.py";

type ProducerLine = { type: "acked"; partition: number; offset: number; value: string } | { type: "failed"; value: string; error: string };
type ConsumerLine =
  | { type: "assigned"; partition: number; committed: number | null }
  | { type: "message"; partition: number; offset: number; value: string }
  | { type: "revoked"; partitions: number[] }
  | { type: "committed"; partition: number; offset: number }
  | { type: "error"; error: string };

let pg: LocalPostgres;
const brokers = new Map<number, BrokerChild>();
const drivers: RunningDriver<unknown>[] = [];

beforeAll(async () => {
  pg = await startLocalPostgres();
});
afterAll(async () => {
  for (const d of drivers) d.kill();
  for (const b of brokers.values()) await b.kill();
  pg?.stop();
});

describeWith(["postgresql", "confluent-kafka"], "a PostgreSQL cluster losing a broker under load", () => {
  it("keeps every acknowledged record once, in order, and the group reads on from its committed offsets", { timeout: 240_000 }, async () => {
    execFileSync("psql", [pg.url, "-q", "-c", "CREATE DATABASE failover"]);
    const url = pg.url.replace(/\/postgres$/, "/failover");
    const dir = tempDir();
    const start = (nodeId: number, port?: number) =>
      BrokerChild.start({
        logDir: `${dir}/broker-${nodeId}`,
        port,
        properties: {
          "node.id": nodeId,
          "storage.engine": "postgres",
          "storage.postgres.url": url,
          // Short leases: a dead broker's partitions and groups move within seconds.
          "broker.session.timeout.ms": 3000,
          "broker.heartbeat.interval.ms": 250,
          "group.initial.rebalance.delay.ms": 0,
        },
      });
    for (const id of [1, 2, 3]) brokers.set(id, await start(id));
    const bootstrap = [...brokers.values()].map((b) => `127.0.0.1:${b.port}`).join(",");

    const admin = new Kafka({ clientId: "failover", brokers: bootstrap.split(","), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });

    const consumers = [0, 1, 2].map(() => startPythonDriver<ConsumerLine>(DRIVER, ["consume", bootstrap, TOPIC, GROUP]));
    drivers.push(...consumers);
    await eventually(() => expect(consumers.every((c) => c.lines.some((l) => l.type === "assigned"))).toBe(true), 60_000, "three members assigned");
    const producer = startPythonDriver<ProducerLine>(DRIVER, ["produce", bootstrap, TOPIC, String(COUNT), String(RATE)]);
    drivers.push(producer);
    const acked = () => producer.lines.filter((l) => l.type === "acked");
    const consumed = () => consumers.flatMap((c) => c.lines.filter((l) => l.type === "message"));

    await eventually(() => expect(consumed().length).toBeGreaterThan(400), 60_000, "the group to be reading");
    const coordinator = await coordinatorOf(brokers.get(1)!.port, GROUP);
    const killAndRestart = async (during: () => Promise<void>) => {
      await brokers.get(coordinator)!.kill();
      const consumedAtKill = consumed().length;
      await eventually(() => expect(consumed().length).toBeGreaterThan(consumedAtKill + 300), 60_000, "the group to read on after the kill");
      await during();
      brokers.set(coordinator, await start(coordinator, brokers.get(coordinator)!.port));
      const ackedAtRestart = acked().length;
      await eventually(() => expect(acked().length).toBeGreaterThan(ackedAtRestart + 300), 60_000, "the producer to go on after the restart");
    };
    // One member dies too: the group must rebalance its partitions onto the others, through the new coordinator.
    await killAndRestart(async () => {
      const assignedBefore = consumers.slice(1).map((c) => c.lines.filter((l) => l.type === "assigned").length);
      consumers[0].kill();
      await eventually(
        () => expect(consumers.slice(1).some((c, i) => c.lines.filter((l) => l.type === "assigned").length > assignedBefore[i])).toBe(true),
        60_000,
        "the surviving members to take over the dead one's partitions",
      );
    });
    // Again: the partitions it led since it came back move to brokers that served them before, whose view is older.
    await killAndRestart(async () => {});

    // librdkafka logs the refused connections on stderr; the exit status says whether every message was delivered.
    const produced = await producer.exited;
    expect(produced.status, produced.stderr).toBe(0);
    expect(producer.lines.filter((l) => l.type === "failed")).toEqual([]);
    expect(acked().length).toBe(COUNT);
    // It is back in the cluster: listed, and leading partitions again.
    const metadata = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    expect(metadata.topics[0].partitions.map((p) => p.leader)).toContain(coordinator);

    // The log: every acknowledged record once, at the offset it was acknowledged with, in the order sent.
    const { values: inLog, producers } = await readLog(url);
    // No broker ever refused the producer's sequence, so it never had to start over with a new producer id or epoch.
    expect(producers.size).toBe(1);
    expect([...inLog.values()].reduce((n, values) => n + values.length, 0)).toBe(COUNT);
    for (const a of acked()) if (a.type === "acked") expect(inLog.get(a.partition)![a.offset]).toBe(a.value);
    for (const values of inLog.values()) {
      const sequence = values.map((v) => Number(v.slice(1)));
      expect(sequence).toEqual([...sequence].sort((x, y) => x - y));
    }

    // The group read all of it; a member given a partition read on from the offset the group had committed.
    await eventually(() => expect(new Set(consumed().map((m) => m.type === "message" && m.value)).size).toBe(COUNT), 60_000, "the group to read every record");
    let resumed = 0;
    for (const c of consumers) {
      c.lines.forEach((line, i) => {
        if (line.type !== "assigned" || line.committed === null) return;
        const until = c.lines.findIndex((l, j) => j > i && l.type === "revoked");
        const owned = c.lines.slice(i + 1, until < 0 ? undefined : until);
        const next = owned.find((l) => l.type === "message" && l.partition === line.partition);
        if (next?.type !== "message") return;
        expect(next.offset).toBe(line.committed < 0 ? 0 : line.committed);
        if (line.committed > 0) resumed++;
      });
    }
    expect(resumed).toBeGreaterThan(0);

    for (const c of consumers.slice(1)) c.stop();
    for (const c of consumers.slice(1)) expect((await c.exited).status).toBe(0);
    const committed = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    expect(committed[0].partitions.map((p) => [p.partition, Number(p.offset)]).sort((x, y) => x[0] - y[0])).toEqual(
      [...inLog].map(([p, values]) => [p, values.length]).sort((x, y) => x[0] - y[0]),
    );
    await admin.disconnect();
  });
});

/** The group's coordinator, as FindCoordinator answers it. */
async function coordinatorOf(port: number, group: string): Promise<number> {
  const raw = await RawClient.connect(port);
  raw.write(raw.frame(FindCoordinator.request, 3, { key: group, keyType: 0 }));
  const response = decodeResponse((await raw.readFrame(10_000))!, FindCoordinator.request, FindCoordinator.response, 3);
  raw.close();
  return response.nodeId!;
}

/** Every record value of the topic, per partition in offset order, and the producers (id and epoch) that wrote its batches, read from the database itself. */
async function readLog(url: string): Promise<{ values: Map<number, string[]>; producers: Set<string> }> {
  const engine = await PostgresEngine.open({ url, codec });
  const values = new Map<number, string[]>();
  const producers = new Set<string>();
  try {
    for (let p = 0; p < PARTITIONS; p++) {
      const log = (await engine.getLog(TOPIC, p))!;
      const list: string[] = [];
      for await (const bytes of log.batches()) {
        const batch = codec.decodeRecordBatch(bytes);
        producers.add(`${batch.producerId}/${batch.producerEpoch}`);
        for (const r of batch.records) list.push(new TextDecoder().decode(r.value!));
      }
      values.set(p, list);
    }
  } finally {
    await engine.close();
  }
  return { values, producers };
}
