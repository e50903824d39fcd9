/** A GroupCoordinator on the memory storage engine, for tests of the membership state machine. */
import { jsCodec } from "../../src/codec/js/index.ts";
import { GroupCoordinator, type JoinGroupParams } from "../../src/coordinator/group-coordinator.ts";
import { GroupMetadataManager } from "../../src/coordinator/group-metadata-manager.ts";
import { MemoryEngine } from "../../src/storage/memory-engine.ts";

export const GROUP = "g";

export function coordinator(groupInitialRebalanceDelayMs = 0): GroupCoordinator {
  const offsets = new GroupMetadataManager(new MemoryEngine(jsCodec), jsCodec, { numPartitions: 1 });
  return new GroupCoordinator(
    { groupInitialRebalanceDelayMs, groupMinSessionTimeoutMs: 10, groupMaxSessionTimeoutMs: 600_000, offsetsRetentionMinutes: 10080, offsetsRetentionCheckIntervalMs: 600_000 },
    offsets,
  );
}

export const bytes = (s: string) => new TextEncoder().encode(s);
export const text = (b: Uint8Array) => new TextDecoder().decode(b);

export function joinParams(overrides: Partial<JoinGroupParams> = {}): JoinGroupParams {
  return {
    groupId: GROUP,
    memberId: "",
    groupInstanceId: null,
    clientId: "client",
    clientHost: "/127.0.0.1",
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 5_000,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: bytes("range-metadata") }],
    requireKnownMemberId: false,
    ...overrides,
  };
}

/** Tracks whether a promise has settled, without awaiting it. */
export function settled<T>(promise: Promise<T>): { readonly done: boolean; readonly value: T | undefined } {
  const state = { done: false, value: undefined as T | undefined };
  void promise.then((v) => {
    state.done = true;
    state.value = v;
  });
  return state;
}
