/**
 * wasm-kafka-broker/testing: a Kafka-compatible broker for test suites, in-process.
 *
 *   import { startBroker } from "wasm-kafka-broker/testing";
 *   const broker = await startBroker({ storage: "memory" });
 *   await broker.createTopics({ topic: "orders", partitions: 3 });
 *   // ... point the client under test at broker.bootstrap ...
 *   broker.faults.inject({ api: "Produce", error: "NOT_LEADER_OR_FOLLOWER", count: 2 });
 *   await broker.reset();   // between tests
 *   await broker.close();
 */
export { startBroker, type TestBroker, type TopicSpec, type ProducedRecord, type RecordMetadata, type ConsumedRecord, type CommittedOffset, type WaitForGroupOptions, type Helpers } from "./test-broker.ts";
export { FaultInjector, type FaultSpec, type InjectedFault, type ErrorName } from "./faults.ts";
export { ErrorCode } from "../protocol/generated/error-codes.ts";
export { MemoryEngine } from "../storage/memory-engine.ts";
export type { StartBrokerOptions } from "../index.ts";
export { startCluster, type TestCluster, type StartClusterOptions } from "./cluster.ts";
