"""confluent-kafka (librdkafka) consumer-group driver for test/coordinator/groups-confluent-kafka.test.ts.

  share    BOOTSTRAP TOPIC GROUP PARTITIONS   three consumers subscribe in one group; once they share every
                                              partition, the first one closes and the other two take over.
                                              JSON lines {type: "assignments", members: {name: [partitions]}}
  consume  BOOTSTRAP TOPIC GROUP PARTITIONS COMMIT_AFTER STOP_AFTER
                                              one consumer subscribes (earliest when nothing is committed),
                                              commits synchronously after COMMIT_AFTER messages (0: never),
                                              stops after STOP_AFTER messages (0: at the end of every partition)
                                              and closes without committing again. JSON lines
                                              {type: "message", partition, offset, key, value, headers} and
                                              {type: "commit", offsets: {partition: committed offset}}
Every step is bounded by DEADLINE_S; any failure exits non-zero with the reason on stderr.
"""
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition
from driver import DEADLINE_S, emit, fail, message


def on_error(err):
    if err.fatal():
        fail(f"fatal client error: {err}")


def consumer(bootstrap, group, **extra):
    return Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        # Fast heartbeats: a member learns of a rebalance on its next heartbeat.
        "heartbeat.interval.ms": 100,
        "session.timeout.ms": 10000,
        "error_cb": on_error,
        **extra,
    })


def share(bootstrap, topic, group, partitions):
    everything = set(range(int(partitions)))
    members = {name: consumer(bootstrap, group) for name in ("a", "b", "c")}
    for c in members.values():
        c.subscribe([topic])

    def owned():
        return {name: sorted(tp.partition for tp in c.assignment()) for name, c in members.items()}

    def shared_by_all():
        lists = owned().values()
        flat = [p for ps in lists for p in ps]
        return all(lists) and len(flat) == len(set(flat)) and set(flat) == everything

    def poll_until(condition, what):
        deadline = time.monotonic() + DEADLINE_S
        while not condition():
            if time.monotonic() > deadline:
                fail(f"timed out waiting for {what}; assignments {owned()}")
            # Each member serves its rebalance callbacks only inside its own poll().
            for c in members.values():
                msg = c.poll(0.05)
                if msg is not None and msg.error() and msg.error().code() != KafkaError._PARTITION_EOF:
                    fail(f"consume error: {msg.error()}")

    poll_until(shared_by_all, "three members to share every partition")
    emit({"type": "assignments", "members": owned()})
    members.pop("a").close()
    poll_until(shared_by_all, "two members to take over every partition")
    emit({"type": "assignments", "members": owned()})
    for c in members.values():
        c.close()


def consume(bootstrap, topic, group, partitions, commit_after, stop_after):
    commit_after, stop_after = int(commit_after), int(stop_after)
    c = consumer(bootstrap, group, **{"enable.partition.eof": True})
    c.subscribe([topic])
    at_end = set()
    count = 0
    deadline = time.monotonic() + DEADLINE_S
    while (count < stop_after) if stop_after > 0 else (len(at_end) < int(partitions)):
        if time.monotonic() > deadline:
            fail(f"timed out after {count} messages; partitions at their end: {sorted(at_end)}")
        msg = c.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == KafkaError._PARTITION_EOF:
                at_end.add(msg.partition())
                continue
            fail(f"consume error: {msg.error()}")
        at_end.discard(msg.partition())
        count += 1
        emit(message(msg.partition(), msg.offset(), msg.key(), msg.value(), msg.headers() or [], type="message"))
        if count == commit_after:
            c.commit(asynchronous=False)
            tps = [TopicPartition(topic, p) for p in range(int(partitions))]
            committed = c.committed(tps, timeout=DEADLINE_S)
            emit({"type": "commit", "offsets": {tp.partition: tp.offset for tp in committed if tp.offset >= 0}})
    c.close()


def main():
    command, *args = sys.argv[1:]
    try:
        {"share": share, "consume": consume}[command](*args)
    except KafkaException as err:
        fail(f"{command}: {err}")


main()
