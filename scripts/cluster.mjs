// `npm run cluster`: a local PostgreSQL (initdb in a temp dir) and three brokers sharing it, on
// loopback ports 9092..9094 (CLUSTER_PORT moves the first). Ctrl-C stops the brokers, then the database.
import { startBrokerProcess } from "./broker-process.mjs";
import { startLocalPostgres } from "./local-postgres.mjs";

const BROKERS = 3;
const firstPort = Number(process.env.CLUSTER_PORT ?? 9092);

const db = await startLocalPostgres();
const brokers = [];
try {
  for (let id = 1; id <= BROKERS; id++) {
    const port = firstPort + id - 1;
    const properties = { "node.id": id, "storage.engine": "postgres", "storage.postgres.url": db.url };
    brokers.push(await startBrokerProcess({ port, properties }));
    console.log(`broker ${id}: ${brokers.at(-1).bootstrap}`);
  }
} catch (err) {
  await stop();
  throw err;
}
console.log(`PostgreSQL: ${db.url}; bootstrap ${brokers.map((b) => b.bootstrap).join(",")}; Ctrl-C stops the cluster`);

let stopping = false;
async function stop() {
  await Promise.all(brokers.map((b) => b.stop()));
  db.stop();
}
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void stop().then(() => process.exit(0));
  });
}
