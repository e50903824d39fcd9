/** The authorization checks handlers share, each a one-liner over RequestContext.authorize. */
import type { RequestContext } from "./api.ts";
import { AclOperation, CLUSTER_NAME, ResourceType } from "../security/acl.ts";

/** Creating a topic (CreateTopics, or auto-creation) needs Create on the cluster or on the topic, as in Kafka. */
export function mayCreateTopic(ctx: RequestContext, name: string): boolean {
  return mayOnCluster(ctx, AclOperation.CREATE) || ctx.authorize(AclOperation.CREATE, ResourceType.TOPIC, name);
}

export function mayDescribeTopic(ctx: RequestContext, name: string): boolean {
  return ctx.authorize(AclOperation.DESCRIBE, ResourceType.TOPIC, name);
}

/** Consumers (Fetch, ShareFetch, ShareAcknowledge) need Read on the topic; a refused partition answers TOPIC_AUTHORIZATION_FAILED. */
export function mayReadTopic(ctx: RequestContext, name: string): boolean {
  return ctx.authorize(AclOperation.READ, ResourceType.TOPIC, name);
}

/** Producers need Write on the topic; a refused partition answers TOPIC_AUTHORIZATION_FAILED. */
export function mayWriteTopic(ctx: RequestContext, name: string): boolean {
  return ctx.authorize(AclOperation.WRITE, ResourceType.TOPIC, name);
}

/** Group membership and commits need Read on the group (GROUP_AUTHORIZATION_FAILED otherwise). */
export function mayReadGroup(ctx: RequestContext, groupId: string): boolean {
  return ctx.authorize(AclOperation.READ, ResourceType.GROUP, groupId);
}

/** Cluster-wide admin APIs need an operation on the cluster (CLUSTER_AUTHORIZATION_FAILED otherwise). */
export function mayOnCluster(ctx: RequestContext, operation: number): boolean {
  return ctx.authorize(operation, ResourceType.CLUSTER, CLUSTER_NAME);
}

/** A transactional producer's requests need Write on its transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED). */
export function mayWriteTransaction(ctx: RequestContext, transactionalId: string): boolean {
  return ctx.authorize(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, transactionalId);
}
