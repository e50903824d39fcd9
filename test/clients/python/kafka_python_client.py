"""kafka-python driver for test/clients/kafka-python.test.ts.

  codecs                                      JSON list of the compression codecs this install supports
  create   BOOTSTRAP TOPIC PARTITIONS         CreateTopics through KafkaAdminClient
  produce  BOOTSTRAP TOPIC COMPRESSION        JSON lines {key, value, headers} on stdin
  consume  BOOTSTRAP TOPIC PARTITIONS         assign every partition, seek to the beginning, read to the end
                                              offsets; JSON lines {partition, offset, key, value, headers}
  delete-groups BOOTSTRAP GROUP...            DeleteGroups through KafkaAdminClient; JSON {group: error code}
Every step is bounded by DEADLINE_S; any failure exits non-zero with the reason on stderr.
"""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.codec import has_gzip, has_lz4, has_snappy, has_zstd
from driver import DEADLINE_S, TIMEOUT_MS, emit, fail, message


def codecs():
    available = {"gzip": has_gzip(), "snappy": has_snappy(), "lz4": has_lz4(), "zstd": has_zstd()}
    print(json.dumps([name for name, ok in available.items() if ok]))


def create(bootstrap, topic, partitions):
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=TIMEOUT_MS)
    response = admin.create_topics([NewTopic(topic, num_partitions=int(partitions), replication_factor=1)])
    errors = [(t[0], t[1]) for t in response.topic_errors if t[1] != 0]
    if errors:
        fail(f"CreateTopics errors: {errors}")
    admin.close()


def produce(bootstrap, topic, compression):
    producer = KafkaProducer(bootstrap_servers=bootstrap, compression_type=compression, acks="all", linger_ms=5,
                             request_timeout_ms=TIMEOUT_MS, max_block_ms=TIMEOUT_MS)
    futures = []
    for line in sys.stdin:
        m = json.loads(line)
        futures.append(producer.send(topic, key=m["key"].encode(), value=m["value"].encode(),
                                     headers=[(k, v.encode()) for k, v in m["headers"]]))
    producer.flush(timeout=DEADLINE_S)
    for future in futures:
        future.get(timeout=DEADLINE_S)
    producer.close(timeout=DEADLINE_S)


def consume(bootstrap, topic, partitions):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             auto_offset_reset="earliest", request_timeout_ms=TIMEOUT_MS + 1000)
    tps = [TopicPartition(topic, p) for p in range(int(partitions))]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    end = consumer.end_offsets(tps)
    deadline = time.monotonic() + DEADLINE_S
    while any(consumer.position(tp) < end[tp] for tp in tps):
        if time.monotonic() > deadline:
            fail(f"timed out at positions {[consumer.position(tp) for tp in tps]}, ends {[end[tp] for tp in tps]}")
        for tp, records in consumer.poll(timeout_ms=500).items():
            for r in records:
                emit(message(r.partition, r.offset, r.key, r.value, r.headers))
    consumer.close()


def delete_groups(bootstrap, *groups):
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=TIMEOUT_MS)
    emit({group: error.errno for group, error in admin.delete_consumer_groups(list(groups))})
    admin.close()


def main():
    command, *args = sys.argv[1:]
    {"codecs": codecs, "create": create, "produce": produce, "consume": consume, "delete-groups": delete_groups}[command](*args)


main()
