// The messages every client test sends, and the one check of what came back: every message exactly
// once, in order within its partition at contiguous offsets, key/value/headers byte-for-byte intact.
import { expect } from "vitest";

export type Header = [key: string, value: string];

export interface SentMessage {
  key: string;
  value: string;
  headers: Header[];
}

export interface ReceivedMessage {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: Header[];
}

const FILLER = "the quick brown fox jumps over the lazy dog — äöü € ✓ ";

/**
 * `count` keyed messages. 50 distinct keys, so each key recurs and must always land on the same
 * partition; values are unique (`#i`) and compressible, with multi-byte UTF-8; no ':' in keys,
 * no tab or newline anywhere (kcat's line formats). One message in three has no headers.
 */
export function keyedMessages(count: number, tag: string): SentMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `key-${i % 50}`,
    value: `${tag} #${i} ${FILLER.repeat(1 + (i % 4))}`,
    headers: i % 3 === 0 ? [] : i % 3 === 1 ? [["seq", String(i)]] : [["seq", String(i)], ["origin", tag]],
  }));
}

/** The received messages grouped by partition, each group in the order the consumer delivered it. */
function byPartition(received: ReceivedMessage[]): Map<number, ReceivedMessage[]> {
  const groups = new Map<number, ReceivedMessage[]>();
  for (const m of received) {
    const group = groups.get(m.partition) ?? [];
    group.push(m);
    groups.set(m.partition, group);
  }
  return groups;
}

/**
 * `received` is `sent`, each message once; each partition's messages arrive in send order at
 * consecutive offsets starting from `firstOffsets[partition]` (0 when not given).
 */
export function assertDelivered(
  sent: SentMessage[],
  received: ReceivedMessage[],
  partitionCount: number,
  firstOffsets: number[] = [],
): void {
  const indexOf = new Map(sent.map((m, i) => [m.value, i]));
  const seen = new Map<number, ReceivedMessage>();
  const unexpected: string[] = [];
  const duplicated: string[] = [];
  for (const m of received) {
    const i = m.value === null ? undefined : indexOf.get(m.value);
    if (i === undefined) unexpected.push(`${m.partition}@${m.offset}: ${String(m.value).slice(0, 40)}`);
    else if (seen.has(i)) duplicated.push(`#${i} at ${m.partition}@${m.offset} and ${seen.get(i)!.partition}@${seen.get(i)!.offset}`);
    else seen.set(i, m);
  }
  const missing = sent.flatMap((_, i) => (seen.has(i) ? [] : [i]));
  expect({ unexpected: unexpected.slice(0, 5), duplicated: duplicated.slice(0, 5), missing: missing.slice(0, 20) }).toEqual({
    unexpected: [],
    duplicated: [],
    missing: [],
  });
  expect(received).toHaveLength(sent.length);

  const intact = sent.map((_, i) => {
    const m = seen.get(i)!;
    return { key: m.key, value: m.value, headers: m.headers };
  });
  expect(intact).toEqual(sent);

  const partitionOfKey = new Map<string, number>();
  for (const [i, m] of seen) {
    const key = sent[i].key;
    expect(partitionOfKey.get(key) ?? m.partition, `key ${key} is on one partition`).toBe(m.partition);
    partitionOfKey.set(key, m.partition);
  }

  const groups = byPartition(received);
  expect([...groups.keys()].sort()).toEqual(Array.from({ length: partitionCount }, (_, p) => p));
  for (const [partition, group] of groups) {
    const first = firstOffsets[partition] ?? 0;
    expect(group.map((m) => m.offset), `offsets of partition ${partition}`).toEqual(group.map((_, i) => first + i));
    const order = group.map((m) => indexOf.get(m.value!)!);
    expect(order, `send order within partition ${partition}`).toEqual([...order].sort((a, b) => a - b));
  }
}
