// A seeded mutation fuzzer for the request path. Seeds are real request frames of every API the broker
// advertises: the tester's captured frames (test/fixtures/protocol), one frame per implemented
// version from the generated encoders, and a few requests with real topic names and record batches.
// Each frame sent is a seed mutated (bit flips, boundary values written over integers, cuts,
// insertions, splices) with its size prefix kept right, so the broker reads it as one request.
// After every `checkEvery` frames a fresh connection must get a valid ApiVersions answer in time.
import { readdirSync, readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { encodeRequestHeader } from "../../src/protocol/generated/request-header.ts";
import { defaultApiTable } from "../../src/handlers/api-table.ts";
import { repoRoot } from "../helpers/broker-process.ts";
import { RawClient } from "../support/raw-client.ts";
import { ApiVersions } from "../support/messages.ts";
import { fetchBody, produceBody, recordBatch } from "../support/requests.ts";

export interface FuzzOptions {
  seed: number;
  /** How many mutated frames to send at most. */
  frames: number;
  /** Stop sending (and report) once this much time has gone by. */
  timeLimitMs: number;
  port: number;
  /** The broker's resident set size, sampled at every check. */
  rssBytes: () => number;
  /** Whether the broker process is still running. */
  alive: () => boolean;
  checkEvery?: number;
  /** How long a health check may take before the broker counts as hung. */
  checkTimeoutMs?: number;
}

export interface FuzzResult {
  frames: number;
  seeds: number;
  checks: number;
  peakRssBytes: number;
  /** Frames the broker answered. */
  answered: number;
  /** Frames the broker refused by closing the connection (a malformed request, as Kafka does). */
  closed: number;
  /** Frames that got no answer in time (acks=0, a Fetch told to wait). */
  silent: number;
  elapsedMs: number;
}

interface Seed {
  apiKey: number;
  version: number;
  /** The whole frame, size prefix included. */
  frame: Uint8Array;
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

const FUZZ_TOPIC = "fuzz-topic";
const BOUNDARY_INT32 = [0, 1, -1, 0x7fffffff, -0x80000000, 0xffff, 0x7fff, 0x8000, 255, 256, 10_000, 10_001];
const BOUNDARY_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe];
/** Connections sending frames at once, each one frame at a time. */
const WORKERS = 4;
/** How long a frame may go unanswered before it counts as one that gets no answer. */
const SILENCE_MS = 500;

/** Every seed frame: fixtures, one frame per implemented API version, and requests on a real topic. */
export async function seedFrames(): Promise<Seed[]> {
  const seeds: Seed[] = [];
  const fixtures = join(repoRoot, "test", "fixtures", "protocol");
  for (const name of readdirSync(fixtures).filter((n) => /-request-\d+\.hex$/.test(n))) {
    const frame = Buffer.from(readFileSync(join(fixtures, name), "utf8").replace(/\s+/g, ""), "hex");
    seeds.push({ apiKey: frame.readInt16BE(4), version: frame.readInt16BE(6), frame });
  }
  const codecs = await requestCodecs();
  for (const api of defaultApiTable().advertised()) {
    const codec = codecs.get(api.apiKey);
    if (!codec) continue;
    for (let version = api.minVersion; version <= api.maxVersion; version++) {
      // Decoding zeros gives every field its emptiest value: a valid request with nothing in it.
      const body = codec.decode(new Reader(new Uint8Array(256)), version);
      seeds.push({ apiKey: api.apiKey, version, frame: requestFrame(codec, version, body) });
    }
  }
  for (const [apiKey, version, body] of realRequests()) seeds.push({ apiKey, version, frame: requestFrame(codecs.get(apiKey)!, version, body) });
  return seeds;
}

/** Requests naming FUZZ_TOPIC with real batches: mutations of them reach the logs and the codec. */
function realRequests(): [number, number, unknown][] {
  const batch = recordBatch(["fuzz", "value", Buffer.alloc(300, 7)]);
  return [
    [19, 7, { topics: [{ name: FUZZ_TOPIC, numPartitions: 3, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false }],
    [0, 9, produceBody(FUZZ_TOPIC, [0, 1, 2].map((index) => ({ index, records: batch })))],
    [0, 3, produceBody(FUZZ_TOPIC, [{ index: 0, records: batch }])],
    [1, 12, { ...fetchBody(FUZZ_TOPIC, [[0, 0n], [1, 0n], [0, 0n]], 1 << 20), maxWaitMs: 10 }],
    [1, 4, { ...fetchBody(FUZZ_TOPIC, [[2, 0n]], 1 << 20), maxWaitMs: 10 }],
    [3, 12, { topics: [{ name: FUZZ_TOPIC, topicId: "00000000-0000-0000-0000-000000000000" }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: true }],
    [2, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: FUZZ_TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] }],
  ];
}

interface RequestCodec {
  apiKey: number;
  flexibleVersions: number | null;
  encode: (w: Writer, version: number, m: unknown) => void;
  decode: (r: Reader, version: number) => unknown;
}

/** The generated request codecs by api key, found by what each generated module exports. */
async function requestCodecs(): Promise<Map<number, RequestCodec>> {
  const dir = join(repoRoot, "src", "protocol", "generated");
  const codecs = new Map<number, RequestCodec>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith("-request.ts"))) {
    const module = (await import(pathToFileURL(join(dir, name)).href)) as Record<string, unknown>;
    const schema = Object.values(module).find((v): v is { apiKey: number; flexibleVersions: number | null } => typeof v === "object" && v !== null && "apiKey" in v);
    const encode = Object.entries(module).find(([k, v]) => /^encode\w+Request$/.test(k) && typeof v === "function")?.[1];
    const decode = Object.entries(module).find(([k, v]) => /^decode\w+Request$/.test(k) && typeof v === "function")?.[1];
    if (schema && encode && decode) codecs.set(schema.apiKey, { apiKey: schema.apiKey, flexibleVersions: schema.flexibleVersions, encode, decode } as RequestCodec);
  }
  return codecs;
}

function requestFrame(codec: RequestCodec, version: number, body: unknown): Uint8Array {
  const w = new Writer();
  w.int32(0);
  const flexible = codec.flexibleVersions !== null && version >= codec.flexibleVersions;
  encodeRequestHeader(w, flexible ? 2 : 1, { requestApiKey: codec.apiKey, requestApiVersion: version, correlationId: 1, clientId: "fuzzer" });
  codec.encode(w, version, body);
  w.int32At(0, w.pos - 4);
  return Buffer.from(w.finish());
}

/**
 * One mutation of `seed` (another seed for splices). The size prefix is rewritten to the new length;
 * the api key and version are kept most of the time, so decoding goes deep rather than stopping at
 * an unknown key.
 */
export function mutate(rng: Random, seed: Uint8Array, other: Uint8Array): Uint8Array {
  let body: Buffer = Buffer.from(seed.subarray(4));
  const rounds = 1 + rng.int(4);
  for (let i = 0; i < rounds; i++) body = mutateOnce(rng, body, other.subarray(4));
  const frame = Buffer.alloc(4 + body.length);
  frame.writeInt32BE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

function mutateOnce(rng: Random, body: Buffer, other: Uint8Array): Buffer {
  // The header's first 4 bytes (api key, version) are mutated only one time in sixteen.
  const from = body.length > 4 && rng.int(16) !== 0 ? 4 : 0;
  const at = from + rng.int(Math.max(1, body.length - from));
  switch (rng.int(7)) {
    case 0: {
      const copy = Buffer.from(body);
      if (at < copy.length) copy[at] ^= 1 << rng.int(8);
      return copy;
    }
    case 1: {
      const copy = Buffer.from(body);
      if (at < copy.length) copy[at] = rng.pick(BOUNDARY_BYTES);
      return copy;
    }
    case 2: {
      const copy = Buffer.from(body);
      if (at + 4 <= copy.length) copy.writeInt32BE(rng.pick(BOUNDARY_INT32) | 0, at);
      else if (at + 2 <= copy.length) copy.writeInt16BE((rng.pick(BOUNDARY_INT32) << 16) >> 16, at);
      return copy;
    }
    case 3:
      return body.subarray(0, Math.max(from, at));
    case 4: {
      const inserted = Buffer.alloc(1 + rng.int(16));
      for (let i = 0; i < inserted.length; i++) inserted[i] = rng.int(256);
      return Buffer.concat([body.subarray(0, at), inserted, body.subarray(at)]);
    }
    case 5: {
      const length = rng.int(Math.min(64, body.length - at + 1));
      return Buffer.concat([body.subarray(0, at), body.subarray(at, at + length), body.subarray(at)]);
    }
    default: {
      const start = rng.int(Math.max(1, other.length));
      return Buffer.concat([body.subarray(0, at), other.subarray(start, start + 1 + rng.int(128))]);
    }
  }
}

/** A connection that reads the broker's answers and counts them. */
class Connection {
  closed = false;
  private buffered: Buffer = Buffer.alloc(0);
  private answers = 0;
  private wake: (() => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (d: Buffer) => this.read(d));
    socket.on("error", () => {});
    socket.on("close", () => {
      this.closed = true;
      this.wake?.();
    });
  }

  static async open(port: number): Promise<Connection> {
    const socket = connect({ port, host: "127.0.0.1" });
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    return new Connection(socket);
  }

  private read(d: Buffer): void {
    this.buffered = this.buffered.length === 0 ? d : Buffer.concat([this.buffered, d]);
    while (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
      this.buffered = this.buffered.subarray(4 + this.buffered.readInt32BE(0));
      this.answers++;
      this.wake?.();
    }
  }

  /**
   * Sends one frame and waits for what it leads to: an answer, the broker closing the connection (how
   * a malformed request is refused), or nothing within `timeoutMs` (acks=0, or a Fetch told to wait).
   */
  async exchange(frame: Uint8Array, timeoutMs: number): Promise<"answered" | "closed" | "silent"> {
    const before = this.answers;
    if (!this.closed) this.socket.write(frame);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => finish(), timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      this.wake = () => {
        if (this.answers > before || this.closed) finish();
      };
      this.wake();
    });
    return this.answers > before ? "answered" : this.closed ? "closed" : "silent";
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Sends mutated frames and checks the broker between them; throws when it crashed, hung or answered wrongly. */
export async function fuzz(options: FuzzOptions): Promise<FuzzResult> {
  const started = Date.now();
  const rng = new Random(options.seed);
  const seeds = await seedFrames();
  const checkEvery = options.checkEvery ?? 1000;
  const outcomes = { answered: 0, closed: 0, silent: 0 };
  let peakRssBytes = options.rssBytes();
  let checks = 0;
  let frames = 0;
  // The real requests go first, unmutated, so the topic they name exists.
  for (const seed of seeds.slice(-realRequests().length)) await healthyConnection(options.port, seed.frame);
  const timeUp = () => frames >= options.frames || Date.now() - started >= options.timeLimitMs;
  let checking: Promise<void> = Promise.resolve();
  // Frames are drawn in one order from one generator, so a seed always sends the same frames.
  const next = () => mutate(rng, rng.pick(seeds).frame, rng.pick(seeds).frame);
  const worker = async () => {
    let connection: Connection | undefined;
    try {
      while (!timeUp()) {
        await checking;
        if (!connection || connection.closed) connection = await Connection.open(options.port);
        const frame = next();
        frames++;
        if (frames % checkEvery === 0) checking = checking.then(() => runCheck());
        const outcome = await connection.exchange(frame, SILENCE_MS);
        outcomes[outcome]++;
        // A silent connection may hold a long request: start afresh rather than queue behind it.
        if (outcome === "silent") connection.close();
      }
    } finally {
      connection?.close();
    }
  };
  const runCheck = async () => {
    await check(options, frames);
    checks++;
    peakRssBytes = Math.max(peakRssBytes, options.rssBytes());
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
  await checking;
  await runCheck();
  return { frames, seeds: seeds.length, checks, peakRssBytes, ...outcomes, elapsedMs: Date.now() - started };
}

/** Sends one frame on a fresh connection and waits for its answer (or the close that refuses it). */
async function healthyConnection(port: number, frame: Uint8Array): Promise<void> {
  const client = await RawClient.connect(port);
  try {
    client.write(frame);
    await client.readFrame(10_000);
  } finally {
    client.close();
  }
}

async function check(options: FuzzOptions, frames: number): Promise<void> {
  if (!options.alive()) throw new Error(`the broker exited after ${frames} frames`);
  const client = await RawClient.connect(options.port);
  try {
    client.write(client.frame(ApiVersions.request, 3, { clientSoftwareName: "fuzzer", clientSoftwareVersion: "1" }));
    const frame = await client.readFrame(options.checkTimeoutMs ?? 10_000).catch(() => null);
    if (!frame) throw new Error(`no ApiVersions answer after ${frames} frames`);
    const r = new Reader(frame);
    r.int32();
    if (r.int16() !== 0) throw new Error(`ApiVersions answered an error after ${frames} frames`);
  } finally {
    client.close();
  }
}
