/**
 * Which brokers serve the cluster now, and which of them leads a partition or coordinates a group
 * or transactional id. Every broker computes the same answer from the same live set (rendezvous
 * hashing: a broker leaving moves only what it held), so clients get one view whichever broker they ask.
 */
import { createHash } from "node:crypto";

export interface BrokerEndpoint {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

/** A broker's registration with the others sharing its storage engine. */
export interface LeaseConfig {
  /** How long a registration lives without renewal. */
  leaseMs: number;
  /** How often this broker renews its lease and re-reads the live set (a third of the lease by default). */
  renewMs?: number;
}

/** Brokers sharing one storage engine; a broker alone has none (it is the cluster, and leads everything). */
export interface BrokerRegistry {
  /** The live brokers, by node id; never empty while this broker runs (it is one of them). */
  liveBrokers(): BrokerEndpoint[];
  /** A partition's leader set by hand (the test kit's moveLeader); undefined lets the spread decide. */
  assignedLeader?(topic: string, partition: number): number | undefined;
  close(): Promise<void> | void;
}

/** The live broker that leads `topic`-`partition`. */
export function leaderFor(brokers: BrokerEndpoint[], topic: string, partition: number): number {
  return highestScore(brokers, `p\u0000${topic}\u0000${partition}`);
}

/** FindCoordinator's key types. */
export const GROUP_KEY_TYPE = 0;
export const TRANSACTION_KEY_TYPE = 1;

/** The live broker that coordinates a group (`keyType` 0) or a transactional id (1). */
export function coordinatorFor(brokers: BrokerEndpoint[], keyType: number, key: string): number {
  return highestScore(brokers, `c\u0000${keyType}\u0000${key}`);
}

function highestScore(brokers: BrokerEndpoint[], key: string): number {
  let best = brokers[0];
  let bestScore = -1n;
  for (const b of brokers) {
    const score = createHash("sha1").update(`${b.nodeId}\u0000${key}`).digest().readBigUInt64BE(0);
    if (score > bestScore) [best, bestScore] = [b, score];
  }
  return best.nodeId;
}
