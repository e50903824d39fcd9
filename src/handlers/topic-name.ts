import { INTERNAL_TOPICS } from "../storage/log-manager.ts";

/** Kafka's rules for a topic name: [a-zA-Z0-9._-], 1 to 249 characters, and not "." or "..". */
export const MAX_TOPIC_NAME_LENGTH = 249;

export function topicNameError(name: string): string | null {
  if (name.length === 0) return "Topic name is empty";
  if (name === "." || name === "..") return `Topic name cannot be "${name}"`;
  if (name.length > MAX_TOPIC_NAME_LENGTH) return `Topic name is longer than ${MAX_TOPIC_NAME_LENGTH} characters`;
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) return `Topic name "${name}" contains characters other than [a-zA-Z0-9._-]`;
  if (INTERNAL_TOPICS.has(name)) return `Topic name "${name}" is reserved for the broker's internal use`;
  return null;
}

/** Kafka refuses a name equal to an existing topic's once '.' is read as '_': their metric names would collide. */
export function collidingTopicError(name: string, existing: Iterable<{ name: string }>): string | null {
  const metricName = name.replace(/\./g, "_");
  for (const topic of existing) {
    if (topic.name !== name && topic.name.replace(/\./g, "_") === metricName) {
      return `Topic '${name}' collides with existing topic: ${topic.name}`;
    }
  }
  return null;
}
