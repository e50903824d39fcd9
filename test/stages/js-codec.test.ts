export {};
// Every stage again with the broker started on the plain-JS codec (KAFKA_CODEC=js), so the two
// codecs are compared end to end through the tester's own checks. Vitest runs each file in its
// own process, so the variable reaches only the brokers this file starts.
process.env.KAFKA_CODEC = "js";
await import("./base.test.ts");
await import("./concurrent-clients.test.ts");
await import("./describe-topic-partitions.test.ts");
await import("./fetch.test.ts");
await import("./produce.test.ts");
