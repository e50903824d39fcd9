"""kafka-python consumer-group driver for test/coordinator/groups-kafka-python.test.ts.

  consume  BOOTSTRAP TOPIC GROUP PARTITIONS COMMIT_AFTER STOP_AFTER
                                              one KafkaConsumer subscribes (earliest when nothing is committed),
                                              commit()s synchronously after COMMIT_AFTER messages (0: never),
                                              stops after STOP_AFTER messages (0: at the end offsets of every
                                              partition) and closes without committing again. JSON lines
                                              {type: "message", partition, offset, key, value, headers} and
                                              {type: "commit", offsets: {partition: committed offset}}
Every step is bounded by DEADLINE_S; any failure exits non-zero with the reason on stderr.
"""
import sys
import time

from kafka import KafkaConsumer, TopicPartition
from driver import DEADLINE_S, TIMEOUT_MS, emit, fail, message


def consume(bootstrap, topic, group, partitions, commit_after, stop_after):
    commit_after, stop_after = int(commit_after), int(stop_after)
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                             auto_offset_reset="earliest", heartbeat_interval_ms=100, session_timeout_ms=10000,
                             request_timeout_ms=TIMEOUT_MS + 1000)
    tps = [TopicPartition(topic, p) for p in range(int(partitions))]
    end = None
    count = 0
    deadline = time.monotonic() + DEADLINE_S

    def done():
        if stop_after > 0:
            return count >= stop_after
        # Read to the end: every partition assigned, each position at the end offset seen at assignment.
        return end is not None and all(consumer.position(tp) >= end[tp] for tp in tps)

    while not done():
        if time.monotonic() > deadline:
            fail(f"timed out after {count} messages; assignment {sorted(tp.partition for tp in consumer.assignment())}")
        # Never more than the next milestone: commit() commits exactly the messages handed out so far.
        limit = (commit_after if count < commit_after else stop_after if stop_after > 0 else 500) - count
        for records in consumer.poll(timeout_ms=500, max_records=max(1, limit)).values():
            for r in records:
                count += 1
                emit(message(r.partition, r.offset, r.key, r.value, r.headers, type="message"))
        if count == commit_after and commit_after > 0:
            consumer.commit()
            committed = {tp.partition: consumer.committed(tp) for tp in tps}
            emit({"type": "commit", "offsets": {p: o for p, o in committed.items() if o is not None}})
            commit_after = 0
        if end is None and len(consumer.assignment()) == len(tps):
            end = consumer.end_offsets(tps)
    consumer.close(autocommit=False)


def main():
    command, *args = sys.argv[1:]
    {"consume": consume}[command](*args)


main()
