import { describe, expect, it } from "vitest";
import { topicNameError } from "../../src/handlers/topic-name.ts";

describe("topic names, as Kafka validates them", () => {
  it.each(["orders", "a.b_c-1", "x".repeat(249)])("accepts %s", (name) => expect(topicNameError(name)).toBeNull());
  it.each(["", ".", "..", "x".repeat(250), "with space", "ümlaut", "slash/name", "__consumer_offsets"])(
    "rejects %j",
    (name) => expect(topicNameError(name)).toEqual(expect.any(String)),
  );
});
