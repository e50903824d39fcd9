/**
 * The KIP-584 feature levels this broker supports and runs at, as ApiVersions v3+ reports them.
 * Clients pick protocols from them (group.version 1 = the KIP-848 consumer rebalance protocol).
 * A level is only claimed for what is implemented; a feature at level 0 is left out of the
 * finalized list, as Kafka leaves it out.
 */
export interface Feature {
  name: string;
  minVersion: number;
  maxVersion: number;
  /** The level the cluster runs at. */
  finalizedLevel: number;
}

export const FEATURES: readonly Feature[] = [
  // 3.3-IV3 (7) is the oldest KRaft level Kafka 4.0 accepts; 4.0-IV3 (25) is 4.0's.
  { name: "metadata.version", minVersion: 7, maxVersion: 25, finalizedLevel: 25 },
  { name: "group.version", minVersion: 0, maxVersion: 1, finalizedLevel: 1 },
  // Transactions (KIP-890 levels 1-2) and a dynamic KRaft quorum are not implemented.
  { name: "kraft.version", minVersion: 0, maxVersion: 0, finalizedLevel: 0 },
  { name: "transaction.version", minVersion: 0, maxVersion: 0, finalizedLevel: 0 },
];
