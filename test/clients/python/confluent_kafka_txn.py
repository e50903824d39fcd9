"""confluent-kafka (librdkafka) transactional producer driver for test/coordinator/transactions-confluent-kafka.test.ts.

  transact BOOTSTRAP TOPIC INPUT GROUP TXN_ID
      init_transactions, then three transactions, each producing to partitions 0-2 of TOPIC:
      30 messages "committed-a-<i>" with the offset 30 of INPUT-0 sent for GROUP, committed;
      15 messages "aborted-<i>" with offset 45, aborted; 9 messages "committed-b-<i>", committed.
  fenced BOOTSTRAP TOPIC TXN_ID
      two producers with one transactional.id: the first begins a transaction and produces, the
      second init_transactions; the first's commit must fail fenced, the second commits 3 messages.
      JSON line {fenced: true}
Every step is bounded by DEADLINE_S; any failure exits non-zero with the reason on stderr.
"""
import sys

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from driver import DEADLINE_S, emit, fail


def on_error(err):
    if err.fatal():
        sys.stderr.write(f"fatal client error: {err}\n")


def producer(bootstrap, transactional_id):
    p = Producer({
        "bootstrap.servers": bootstrap,
        "transactional.id": transactional_id,
        "transaction.timeout.ms": 60000,
        "linger.ms": 5,
        "error_cb": on_error,
    })
    p.init_transactions(DEADLINE_S)
    return p


def produce_all(p, topic, tag, count):
    for i in range(count):
        p.produce(topic, key=f"k{i}".encode(), value=f"{tag}-{i}".encode(), partition=i % 3)
    if p.flush(DEADLINE_S) != 0:
        fail(f"{tag}: messages still undelivered after flush")


def transact(bootstrap, topic, input_topic, group, transactional_id):
    p = producer(bootstrap, transactional_id)
    # The group metadata send_offsets_to_transaction needs comes from a consumer of the group.
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    metadata = consumer.consumer_group_metadata()
    for tag, count, offset, commit in (("committed-a", 30, 30, True), ("aborted", 15, 45, False), ("committed-b", 9, None, True)):
        p.begin_transaction()
        produce_all(p, topic, tag, count)
        if offset is not None:
            p.send_offsets_to_transaction([TopicPartition(input_topic, 0, offset)], metadata, DEADLINE_S)
        if commit:
            p.commit_transaction(DEADLINE_S)
        else:
            p.abort_transaction(DEADLINE_S)
    consumer.close()


def fenced(bootstrap, topic, transactional_id):
    older = producer(bootstrap, transactional_id)
    older.begin_transaction()
    produce_all(older, topic, "zombie", 3)
    newer = producer(bootstrap, transactional_id)
    try:
        older.commit_transaction(DEADLINE_S)
        fail("the older producer committed after a newer one initialised the same transactional.id")
    except KafkaException as err:
        if not err.args[0].fatal():
            fail(f"expected a fatal (fenced) error, got {err}")
    newer.begin_transaction()
    produce_all(newer, topic, "newer", 3)
    newer.commit_transaction(DEADLINE_S)
    emit({"fenced": True})


def main():
    command, *args = sys.argv[1:]
    try:
        {"transact": transact, "fenced": fenced}[command](*args)
    except KafkaException as err:
        fail(f"{command}: {err}")


main()
