// The commit-then-resume check shared by the consumer-group tests of the real clients: a group that
// committed after the first `committedCount` messages it read must, on resuming, read exactly the
// rest: nothing it committed again, nothing skipped, the uncommitted tail once more.
import { expect } from "vitest";
import { assertDelivered, type ReceivedMessage, type SentMessage } from "../clients/support/messages.ts";

/** Per partition, the offset after the last of `committed`: where the group must resume. */
export function offsetsAfter(committed: ReceivedMessage[], partitionCount: number): number[] {
  const next = Array<number>(partitionCount).fill(0);
  for (const m of committed) next[m.partition] = Math.max(next[m.partition], m.offset + 1);
  return next;
}

/** Map of partition → committed offset, without the partitions nothing was committed for. */
export function committedOffsets(offsets: number[]): Map<number, number> {
  return new Map(offsets.flatMap((o, p) => (o > 0 ? [[p, o] as [number, number]] : [])));
}

/**
 * `resumed` is every message of `sent` except the first `committedCount` of `firstRun`, each once,
 * every partition starting at its committed offset.
 */
export function assertResumed(
  sent: SentMessage[],
  firstRun: ReceivedMessage[],
  committedCount: number,
  resumed: ReceivedMessage[],
  partitionCount: number,
): void {
  const committed = firstRun.slice(0, committedCount);
  expect(committed, "the first run read enough messages to commit").toHaveLength(committedCount);
  const done = new Set(committed.map((m) => m.value));
  const rest = sent.filter((m) => !done.has(m.value));
  assertDelivered(rest, resumed, partitionCount, offsetsAfter(committed, partitionCount));
}
