// StandardAuthorizer's decisions, fed AccessControlEntryRecords as the metadata log replays them.
import { describe, expect, it } from "vitest";
import { StandardAuthorizer } from "../../src/security/authorizer.ts";
import { type AclBinding, AclOperation, PatternType, PermissionType, ResourceType } from "../../src/security/acl.ts";
import type { SecurityConfig } from "../../src/security/security-config.ts";

const { READ, WRITE, DESCRIBE, ALL, ALTER_CONFIGS, DESCRIBE_CONFIGS } = AclOperation;
const TOPIC = ResourceType.TOPIC;

function authorizer(acls: Partial<AclBinding>[], config: Partial<SecurityConfig> = {}): StandardAuthorizer {
  const a = new StandardAuthorizer({
    authorizerEnabled: true, superUsers: ["User:admin"], allowEveryoneIfNoAclFound: false,
    connectionsMaxReauthMs: 0, failedAuthenticationDelayMs: 0, ...config,
  });
  acls.forEach((acl, i) =>
    a.apply({
      type: "AccessControlEntryRecord",
      record: {
        id: `00000000-0000-0000-0000-${String(i).padStart(12, "0")}`,
        resourceType: TOPIC, resourceName: "orders", patternType: PatternType.LITERAL,
        principal: "User:alice", host: "*", operation: READ, permissionType: PermissionType.ALLOW, ...acl,
      },
    }),
  );
  return a;
}

describe("StandardAuthorizer", () => {
  it("allows what an ACL allows and nothing else", () => {
    const a = authorizer([{}]);
    expect(a.authorize("User:alice", "127.0.0.1", READ, TOPIC, "orders")).toBe(true);
    expect(a.authorize("User:alice", "127.0.0.1", WRITE, TOPIC, "orders")).toBe(false);
    expect(a.authorize("User:bob", "127.0.0.1", READ, TOPIC, "orders")).toBe(false);
    expect(a.authorize("User:alice", "127.0.0.1", READ, TOPIC, "payments")).toBe(false);
  });

  it("implies Describe from Read/Write/Delete/Alter and DescribeConfigs from AlterConfigs, but a Deny only for itself", () => {
    expect(authorizer([{ operation: WRITE }]).authorize("User:alice", "h", DESCRIBE, TOPIC, "orders")).toBe(true);
    expect(authorizer([{ operation: ALTER_CONFIGS }]).authorize("User:alice", "h", DESCRIBE_CONFIGS, TOPIC, "orders")).toBe(true);
    const denyDescribe = authorizer([{ operation: READ }, { operation: DESCRIBE, permissionType: PermissionType.DENY }]);
    expect(denyDescribe.authorize("User:alice", "h", READ, TOPIC, "orders")).toBe(true);
    expect(denyDescribe.authorize("User:alice", "h", DESCRIBE, TOPIC, "orders")).toBe(false);
  });

  it("lets a Deny win, also one on a prefix or for every principal", () => {
    expect(authorizer([{ operation: ALL }, { permissionType: PermissionType.DENY }]).authorize("User:alice", "h", READ, TOPIC, "orders")).toBe(false);
    const prefixDeny = authorizer([{ operation: ALL }, { resourceName: "ord", patternType: PatternType.PREFIXED, principal: "User:*", permissionType: PermissionType.DENY }]);
    expect(prefixDeny.authorize("User:alice", "h", READ, TOPIC, "orders")).toBe(false);
    expect(prefixDeny.authorize("User:alice", "h", WRITE, TOPIC, "orders")).toBe(true);
  });

  it("matches prefixed and wildcard resources, hosts and super users", () => {
    const a = authorizer([{ resourceName: "team-", patternType: PatternType.PREFIXED }, { resourceName: "*", operation: WRITE, host: "10.0.0.1" }]);
    expect(a.authorize("User:alice", "h", READ, TOPIC, "team-a")).toBe(true);
    expect(a.authorize("User:alice", "h", READ, TOPIC, "team")).toBe(false);
    expect(a.authorize("User:alice", "10.0.0.1", WRITE, TOPIC, "anything")).toBe(true);
    expect(a.authorize("User:alice", "10.0.0.2", WRITE, TOPIC, "anything")).toBe(false);
    expect(a.authorize("User:admin", "h", WRITE, ResourceType.CLUSTER, "kafka-cluster")).toBe(true);
  });

  it("decides a resource without ACLs by allow.everyone.if.no.acl.found", () => {
    expect(authorizer([]).authorize("User:bob", "h", READ, TOPIC, "free")).toBe(false);
    const open = authorizer([{}], { allowEveryoneIfNoAclFound: true });
    expect(open.authorize("User:bob", "h", READ, TOPIC, "free")).toBe(true);
    // A resource that has ACLs is closed to everyone they do not name.
    expect(open.authorize("User:bob", "h", READ, TOPIC, "orders")).toBe(false);
  });

  it("forgets an ACL its RemoveAccessControlEntryRecord removes", () => {
    const a = authorizer([{}]);
    a.apply({ type: "RemoveAccessControlEntryRecord", record: { id: "00000000-0000-0000-0000-000000000000" } });
    expect(a.authorize("User:alice", "h", READ, TOPIC, "orders")).toBe(false);
  });

  it("authorizes by resource type as Kafka does for idempotent producers (Write on some topic)", () => {
    expect(authorizer([{ operation: WRITE }]).authorizeByResourceType("User:alice", "h", WRITE, TOPIC)).toBe(true);
    expect(authorizer([{ operation: READ }]).authorizeByResourceType("User:alice", "h", WRITE, TOPIC)).toBe(false);
    const deniedAll = authorizer([{ operation: WRITE }, { resourceName: "*", operation: WRITE, permissionType: PermissionType.DENY }]);
    expect(deniedAll.authorizeByResourceType("User:alice", "h", WRITE, TOPIC)).toBe(false);
  });
});
