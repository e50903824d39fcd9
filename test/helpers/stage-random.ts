// The tester's random values (§1.6), drawn from a seeded generator so a failing stage can be replayed.
import { uuidToBytes } from "./bytes.ts";

export const WORDS = [
  "apple", "orange", "banana", "pear", "grape", "pineapple", "mango", "strawberry", "raspberry", "blueberry",
] as const;

const UUID_PREFIX = "71a59a51-8968-4f8b-937e-";
/** Bounds the tester's "retry until the base64 form is clean" loops. */
const MAX_UUID_DRAWS = 10_000;

/** Mixes the run's seed with the stage code, so each stage draws the same values whatever runs before it. */
function stageSeed(baseSeed: number, code: string): number {
  let h = baseSeed >>> 0 ^ 0x9e3779b9;
  for (const c of code) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

export class StageRandom {
  private state: number;

  constructor(readonly baseSeed: number, code: string) {
    this.state = stageSeed(baseSeed, code);
  }

  /** mulberry32: uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Uniform in [0, 2^31 − 2), never negative. */
  correlationId(): number {
    return this.int(0, 2 ** 31 - 3);
  }

  word(): string {
    return WORDS[this.int(0, WORDS.length - 1)];
  }

  /** `n` distinct words, in random order. */
  words(n: number): string[] {
    const pool: string[] = [...WORDS];
    for (let i = pool.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    return pool.slice(0, n);
  }

  /** The DTP stages' partition-log values: 6 random words joined by spaces. */
  sentence(): string {
    return Array.from({ length: 6 }, () => this.word()).join(" ");
  }

  /** getRandomTopicUUID: the 12-digit suffix has each digit in 0–e; redrawn until base64 has no + or /. */
  topicUUID(): string {
    return this.cleanUUID(() => Array.from({ length: 12 }, () => this.int(0, 14).toString(16)).join(""));
  }

  /** getRandomTopicUUIDs(n): suffix `%012x` of i*1000 + rand(0..999). */
  topicUUIDs(n: number): string[] {
    return Array.from({ length: n }, (_, i) =>
      this.cleanUUID(() => (i * 1000 + this.int(0, 999)).toString(16).padStart(12, "0")));
  }

  private cleanUUID(suffix: () => string): string {
    for (let i = 0; i < MAX_UUID_DRAWS; i++) {
      const id = UUID_PREFIX + suffix();
      if (!/[+/\-_]/.test(Buffer.from(uuidToBytes(id)).toString("base64"))) return id;
    }
    throw new Error("no clean topic UUID drawn");
  }
}
