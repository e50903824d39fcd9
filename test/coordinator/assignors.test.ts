// The KIP-848 server-side assignors, table-driven: every partition of a subscribed topic goes to
// exactly one subscribed member, `uniform` balances and keeps current owners where it can,
// `range` gives each member consecutive partitions of each topic.
import { describe, expect, it } from "vitest";
import { type Assignment, type AssignorMember, rangeAssignor, uniformAssignor } from "../../src/coordinator/assignors.ts";

const T = "topic-t";
const U = "topic-u";

function member(memberId: string, topics: string[], current: [string, number[]][] = []): AssignorMember {
  return { memberId, subscribedTopicIds: new Set(topics), currentAssignment: new Map(current.map(([t, ps]) => [t, new Set(ps)])) };
}

/** memberId → "topic:partition" list, sorted. */
function flat(result: Map<string, Assignment>): Record<string, string[]> {
  return Object.fromEntries(
    [...result].map(([memberId, a]) => [memberId, [...a].flatMap(([t, ps]) => [...ps].map((p) => `${t}:${p}`)).sort()]),
  );
}

describe("uniform assignor", () => {
  const cases: { name: string; members: AssignorMember[]; topics: [string, number][]; expected: Record<string, string[]> }[] = [
    {
      name: "three new members share six partitions two each",
      members: [member("a", [T]), member("b", [T]), member("c", [T])],
      topics: [[T, 6]],
      expected: { a: ["topic-t:0", "topic-t:3"], b: ["topic-t:1", "topic-t:4"], c: ["topic-t:2", "topic-t:5"] },
    },
    {
      name: "a leaving member's partitions go to the others; nothing else moves",
      members: [member("a", [T], [[T, [0, 3]]]), member("b", [T], [[T, [1, 4]]])],
      topics: [[T, 6]],
      expected: { a: ["topic-t:0", "topic-t:2", "topic-t:3"], b: ["topic-t:1", "topic-t:4", "topic-t:5"] },
    },
    {
      name: "a joining member takes one partition from each of the others",
      members: [member("a", [T], [[T, [0, 1, 2]]]), member("b", [T], [[T, [3, 4, 5]]]), member("c", [T])],
      topics: [[T, 6]],
      expected: { a: ["topic-t:0", "topic-t:1"], b: ["topic-t:3", "topic-t:4"], c: ["topic-t:2", "topic-t:5"] },
    },
    {
      name: "different subscriptions: each topic only to its subscribers, balanced where they overlap",
      members: [member("a", [T, U]), member("b", [U])],
      topics: [[T, 2], [U, 2]],
      expected: { a: ["topic-t:0", "topic-t:1"], b: ["topic-u:0", "topic-u:1"] },
    },
    {
      name: "more members than partitions: the rest get nothing",
      members: [member("a", [T]), member("b", [T]), member("c", [T])],
      topics: [[T, 2]],
      expected: { a: ["topic-t:0"], b: ["topic-t:1"], c: [] },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(flat(uniformAssignor.assign(c.members, new Map(c.topics)))).toEqual(c.expected);
    });
  }
});

describe("range assignor", () => {
  const cases: { name: string; members: AssignorMember[]; topics: [string, number][]; expected: Record<string, string[]> }[] = [
    {
      name: "consecutive ranges, the first members one more when the count does not divide",
      members: [member("b", [T]), member("a", [T])],
      topics: [[T, 5]],
      expected: { a: ["topic-t:0", "topic-t:1", "topic-t:2"], b: ["topic-t:3", "topic-t:4"] },
    },
    {
      name: "co-partitioned topics land on the same members",
      members: [member("a", [T, U]), member("b", [T, U])],
      topics: [[T, 2], [U, 2]],
      expected: { a: ["topic-t:0", "topic-u:0"], b: ["topic-t:1", "topic-u:1"] },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(flat(rangeAssignor.assign(c.members, new Map(c.topics)))).toEqual(c.expected);
    });
  }
});
