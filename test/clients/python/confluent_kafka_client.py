"""confluent-kafka (librdkafka) driver for test/clients/confluent-kafka.test.ts.

  create   BOOTSTRAP TOPIC PARTITIONS         CreateTopics through the AdminClient
  produce  BOOTSTRAP TOPIC COMPRESSION        JSON lines {key, value, headers} on stdin
  consume  BOOTSTRAP TOPIC PARTITIONS [ISOLATION]
                                              assign every partition from the beginning, read to the end
                                              (ISOLATION: isolation.level, read_committed by default);
                                              JSON lines {partition, offset, key, value, headers} on stdout
  configs  BOOTSTRAP TOPIC NAME=VALUE         AlterConfigs of the topic, then DescribeConfigs of it:
                                              one JSON line {name: [value, is_default]}, or {error} when refused
Every step is bounded by DEADLINE_S; any failure exits non-zero with the reason on stderr.
"""
import json
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic
from driver import DEADLINE_S, emit, fail, message


def on_error(err):
    # Transport errors librdkafka retries on its own are reported here; a fatal one ends the run.
    if err.fatal():
        fail(f"fatal client error: {err}")


def create(bootstrap, topic, partitions):
    admin = AdminClient({"bootstrap.servers": bootstrap, "error_cb": on_error})
    futures = admin.create_topics([NewTopic(topic, num_partitions=int(partitions), replication_factor=1)],
                                  operation_timeout=DEADLINE_S, request_timeout=DEADLINE_S)
    futures[topic].result(timeout=DEADLINE_S)


def produce(bootstrap, topic, compression):
    producer = Producer({
        "bootstrap.servers": bootstrap,
        "compression.type": compression,
        "acks": "all",
        "linger.ms": 5,
        "error_cb": on_error,
    })
    failures = []

    def delivered(err, _msg):
        if err is not None:
            failures.append(str(err))

    for line in sys.stdin:
        m = json.loads(line)
        headers = [(k, v.encode()) for k, v in m["headers"]]
        while True:
            try:
                producer.produce(topic, key=m["key"].encode(), value=m["value"].encode(), headers=headers,
                                 on_delivery=delivered)
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    if producer.flush(DEADLINE_S) != 0:
        fail("messages still undelivered after flush")
    if failures:
        fail(f"{len(failures)} deliveries failed, first: {failures[0]}")


def consume(bootstrap, topic, partitions, isolation="read_committed"):
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "isolation.level": isolation,
        # Required by the client even though assign() never joins a group; nothing is committed.
        "group.id": "assign-only",
        "enable.auto.commit": False,
        "enable.partition.eof": True,
        "error_cb": on_error,
    })
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(int(partitions))])
    at_end = set()
    deadline = time.monotonic() + DEADLINE_S
    while len(at_end) < int(partitions):
        if time.monotonic() > deadline:
            fail(f"timed out; partitions at their end: {sorted(at_end)}")
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == KafkaError._PARTITION_EOF:
                at_end.add(msg.partition())
                continue
            fail(f"consume error: {msg.error()}")
        at_end.discard(msg.partition())
        emit(message(msg.partition(), msg.offset(), msg.key(), msg.value(), msg.headers() or []))
    consumer.close()


def configs(bootstrap, topic, setting):
    admin = AdminClient({"bootstrap.servers": bootstrap, "error_cb": on_error})
    name, value = setting.split("=", 1)
    resource = ConfigResource("topic", topic, set_config={name: value})
    try:
        admin.alter_configs([resource], request_timeout=DEADLINE_S)[resource].result(timeout=DEADLINE_S)
    except KafkaException as err:
        emit({"error": err.args[0].name()})
        return
    described = admin.describe_configs([ConfigResource("topic", topic)], request_timeout=DEADLINE_S)
    entries = list(described.values())[0].result(timeout=DEADLINE_S)
    emit({e.name: [e.value, e.is_default] for e in entries.values()})


def main():
    command, *args = sys.argv[1:]
    try:
        {"create": create, "produce": produce, "consume": consume, "configs": configs}[command](*args)
    except KafkaException as err:
        fail(f"{command}: {err}")


main()
