/**
 * Kafka's GroupMetadata and MemberMetadata for the classic rebalance protocol: who is in a
 * group, which generation it is in, who leads it, and which protocol it runs. The rules that
 * move a group between states live in GroupCoordinator; this module only keeps the books.
 */
import { Reader } from "../protocol/reader.ts";
import { decodeConsumerProtocolSubscription } from "../protocol/generated/consumer-protocol-subscription.ts";

export type GroupState = "Empty" | "PreparingRebalance" | "CompletingRebalance" | "Stable" | "Dead";

export interface Protocol {
  name: string;
  metadata: Uint8Array;
}

export interface JoinGroupResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Uint8Array }[];
}

export interface SyncGroupResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Uint8Array;
}

const EMPTY = new Uint8Array(0);

export class MemberMetadata {
  assignment: Uint8Array = EMPTY;
  /** Resolves the member's pending JoinGroup; set while the member waits for the rebalance. */
  awaitingJoin: ((result: JoinGroupResult) => void) | undefined;
  /** Resolves the member's pending SyncGroup; set while it waits for the leader's assignment. */
  awaitingSync: ((result: SyncGroupResult) => void) | undefined;
  sessionTimer: NodeJS.Timeout | undefined;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    public clientId: string,
    public clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    public protocolType: string,
    public protocols: Protocol[],
  ) {}

  metadataFor(protocol: string): Uint8Array {
    return this.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY;
  }

  /** Same protocols, in the same order, with the same metadata (a rejoin that changes nothing). */
  matches(protocols: Protocol[]): boolean {
    return (
      protocols.length === this.protocols.length &&
      protocols.every((p, i) => p.name === this.protocols[i].name && sameBytes(p.metadata, this.protocols[i].metadata))
    );
  }
}

export class GroupMetadata {
  private _state: GroupState = "Empty";
  /** When the group entered its state (Kafka's currentStateTimestamp); undefined for a group loaded with its offsets. */
  currentStateTimestamp: number | undefined;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, MemberMetadata>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, waiting for the member's second JoinGroup. */
  readonly pendingMembers = new Map<string, NodeJS.Timeout>();
  /** Members of the current generation that have not yet sent SyncGroup. */
  readonly pendingSyncMembers = new Set<string>();
  /** group.instance.id → member id of the static members. */
  readonly staticMembers = new Map<string, string>();
  /** A new member joined while the initial rebalance delay ran (Kafka's newMemberAdded). */
  newMemberAdded = false;
  /** Ends the join phase of a rebalance (Kafka's DelayedJoin / InitialDelayedJoin). */
  rebalanceTimer: NodeJS.Timeout | undefined;
  /** Removes members that have not sent SyncGroup a rebalance timeout after the join phase ended. */
  syncTimer: NodeJS.Timeout | undefined;

  constructor(readonly groupId: string) {}

  get state(): GroupState {
    return this._state;
  }

  set state(state: GroupState) {
    this._state = state;
    this.currentStateTimestamp = Date.now();
  }

  is(state: GroupState): boolean {
    return this._state === state;
  }

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  add(member: MemberMetadata): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    this.leaderId ??= member.memberId;
    if (this.is("PreparingRebalance") && this.generationId === 0) this.newMemberAdded = true;
  }

  remove(memberId: string): MemberMetadata | undefined {
    const member = this.members.get(memberId);
    if (!member) return undefined;
    this.members.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) {
      this.staticMembers.delete(member.groupInstanceId);
    }
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
    return member;
  }

  /** A static member rejoined without its member id: it keeps its assignment under a new id. */
  replaceStaticMember(oldMemberId: string, newMemberId: string): MemberMetadata {
    const member = this.members.get(oldMemberId)!;
    this.members.delete(oldMemberId);
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    this.staticMembers.set(member.groupInstanceId!, newMemberId);
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId;
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    return member;
  }

  /** The longest rebalance timeout of the members: how long a rebalance may wait for them. */
  get rebalanceTimeoutMs(): number {
    let timeout = 0;
    for (const m of this.members.values()) timeout = Math.max(timeout, m.rebalanceTimeoutMs);
    return timeout;
  }

  get awaitingJoinCount(): number {
    let n = 0;
    for (const m of this.members.values()) if (m.awaitingJoin) n++;
    return n;
  }

  hasAllMembersJoined(): boolean {
    return this.members.size === this.awaitingJoinCount && this.pendingMembers.size === 0;
  }

  /**
   * A protocol type the group can run with the joining member: the group's own, and a protocol
   * every member (and the newcomer) supports.
   */
  supportsProtocols(protocolType: string, protocols: Protocol[]): boolean {
    if (this.members.size === 0) return protocolType !== "" && protocols.length > 0;
    if (protocolType !== this.protocolType) return false;
    return protocols.some((p) => this.everyMemberSupports(p.name));
  }

  private everyMemberSupports(protocol: string): boolean {
    for (const m of this.members.values()) if (!m.protocols.some((p) => p.name === protocol)) return false;
    return true;
  }

  /** The first protocol, in the leader's order of preference, that every member supports. */
  selectProtocol(): string | null {
    const leader = this.leaderId === null ? undefined : this.members.get(this.leaderId);
    const candidates = leader?.protocols ?? this.members.values().next().value?.protocols ?? [];
    return candidates.find((p) => this.everyMemberSupports(p.name))?.name ?? null;
  }

  /** The topics the members' ConsumerProtocolSubscriptions name (for the "consumer" protocol type). */
  subscribedTopics(): Set<string> {
    const topics = new Set<string>();
    for (const m of this.members.values()) {
      const r = new Reader(m.metadataFor(this.protocolName ?? ""));
      const version = r.int16();
      const subscription = decodeConsumerProtocolSubscription(r, Math.min(Math.max(version, 0), 3));
      if (!r.failed) for (const t of subscription.topics) topics.add(t);
    }
    return topics;
  }

  /** The members with their metadata for the chosen protocol, as the leader needs them to assign. */
  currentMemberMetadata(): JoinGroupResult["members"] {
    return [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.metadataFor(this.protocolName ?? ""),
    }));
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
