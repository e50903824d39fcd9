/**
 * Who may do what. Handlers ask through RequestContext.authorize(operation, resourceType, name);
 * without `authorizer.class.name` everything is allowed (as Kafka without an authorizer).
 * StandardAuthorizer keeps the ACLs, the replay of AccessControlEntryRecord /
 * RemoveAccessControlEntryRecord in the metadata log, and decides as Kafka's does:
 * super users may do anything; a matching DENY wins over any ALLOW; with no ACL on the resource
 * at all, allow.everyone.if.no.acl.found decides.
 */
import type { MetadataRecord } from "../storage/metadata-records.ts";
import type { MetadataRecordListener } from "../storage/cluster-metadata.ts";
import type { SecurityConfig } from "./security-config.ts";
import {
  type AclBinding,
  type AclFilter,
  AclOperation,
  PatternType,
  PermissionType,
  RESOURCE_OPERATIONS,
  WILDCARD,
  WILDCARD_PRINCIPAL,
  coversResource,
  implies,
  matchesFilter,
} from "./acl.ts";

export interface Authorizer {
  authorize(principal: string, host: string, operation: number, resourceType: number, resourceName: string): boolean;
  /** Whether the principal may perform `operation` on some resource of the type (Kafka's authorizeByResourceType). */
  authorizeByResourceType(principal: string, host: string, operation: number, resourceType: number): boolean;
}

export const ALLOW_ALL: Authorizer = { authorize: () => true, authorizeByResourceType: () => true };

/** The bit set of operations `authorizer` allows on a resource, as authorized-operations fields carry it. */
export function authorizedOperations(authorizer: Authorizer, principal: string, host: string, resourceType: number, resourceName: string): number {
  let bits = 0;
  for (const op of RESOURCE_OPERATIONS[resourceType] ?? []) {
    if (authorizer.authorize(principal, host, op, resourceType, resourceName)) bits |= 1 << op;
  }
  return bits;
}

export class StandardAuthorizer implements Authorizer, MetadataRecordListener {
  private readonly acls = new Map<string, AclBinding>();
  private readonly superUsers: Set<string>;

  constructor(private readonly config: SecurityConfig) {
    this.superUsers = new Set(config.superUsers);
  }

  authorize(principal: string, host: string, operation: number, resourceType: number, resourceName: string): boolean {
    if (this.superUsers.has(principal)) return true;
    let resourceHasAcls = false;
    let allowed = false;
    for (const acl of this.acls.values()) {
      if (!coversResource(acl, resourceType, resourceName)) continue;
      resourceHasAcls = true;
      if (acl.principal !== principal && acl.principal !== WILDCARD_PRINCIPAL) continue;
      if (acl.host !== host && acl.host !== WILDCARD) continue;
      if (acl.permissionType === PermissionType.DENY) {
        // A DENY is for its own operation only: denying Describe does not deny Read.
        if (acl.operation === operation || acl.operation === AclOperation.ALL) return false;
      } else if (implies(acl.operation, operation)) {
        allowed = true;
      }
    }
    return allowed || (!resourceHasAcls && this.config.allowEveryoneIfNoAclFound);
  }

  /**
   * As Kafka's: allowed when an ALLOW of the principal covers some resource of the type and no DENY
   * covers them all (the wildcard); or, with no ACL of the type at all, when allow.everyone.if.no.acl.found.
   */
  authorizeByResourceType(principal: string, host: string, operation: number, resourceType: number): boolean {
    if (this.superUsers.has(principal)) return true;
    let typeHasAcls = false;
    let allowed = false;
    for (const acl of this.acls.values()) {
      if (acl.resourceType !== resourceType) continue;
      typeHasAcls = true;
      if (acl.principal !== principal && acl.principal !== WILDCARD_PRINCIPAL) continue;
      if (acl.host !== host && acl.host !== WILDCARD) continue;
      if (acl.permissionType === PermissionType.DENY) {
        const coversAll = acl.resourceName === WILDCARD || (acl.patternType === PatternType.PREFIXED && acl.resourceName === "");
        if (coversAll && (acl.operation === operation || acl.operation === AclOperation.ALL)) return false;
      } else if (implies(acl.operation, operation)) {
        allowed = true;
      }
    }
    return allowed || (!typeHasAcls && this.config.allowEveryoneIfNoAclFound);
  }

  /** The ACLs matching a filter, each with the id of its AccessControlEntryRecord. */
  matching(filter: AclFilter): [string, AclBinding][] {
    return [...this.acls].filter(([, acl]) => matchesFilter(acl, filter));
  }

  /** An existing ACL equal to `acl`, so creating it again changes nothing. */
  idOf(acl: AclBinding): string | undefined {
    for (const [id, a] of this.acls) if (sameAcl(a, acl)) return id;
    return undefined;
  }

  apply(m: MetadataRecord): void {
    if (m.type === "AccessControlEntryRecord") {
      const { id, ...acl } = m.record;
      this.acls.set(id, acl);
    } else if (m.type === "RemoveAccessControlEntryRecord") {
      this.acls.delete(m.record.id);
    }
  }
}

function sameAcl(a: AclBinding, b: AclBinding): boolean {
  return (
    a.resourceType === b.resourceType &&
    a.resourceName === b.resourceName &&
    a.patternType === b.patternType &&
    a.principal === b.principal &&
    a.host === b.host &&
    a.operation === b.operation &&
    a.permissionType === b.permissionType
  );
}
