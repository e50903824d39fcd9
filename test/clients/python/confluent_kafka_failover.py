"""confluent-kafka (librdkafka) drivers for test/cluster/postgres-failover.test.ts: long-running clients
that keep going while brokers die and come back, and say what they saw as JSON lines.

  produce  BOOTSTRAP TOPIC COUNT RATE  an idempotent producer (acks=all) sends COUNT messages "m<i>" at
                                       RATE per second, then flushes. {type: "acked", partition, offset,
                                       value} per delivery, {type: "failed", value, error} per failure.
  consume  BOOTSTRAP TOPIC GROUP       a group member reading from its committed offsets until SIGTERM,
                                       committing each message synchronously. {type: "assigned",
                                       partition, committed} when it is given a partition (the offset the
                                       group had committed for it, -1 for none, null if unknown),
                                       {type: "revoked", partitions} when they are taken away, {type: "message",
                                       partition, offset, value}, {type: "committed", partition, offset}.
Failures of single requests while a broker is down are the point and are reported, not fatal; only a
fatal client error or the overall deadline ends a driver with a non-zero exit.
"""
import signal
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from driver import emit, fail, text

DEADLINE_S = 120


def on_error(err):
    if err.fatal():
        fail(f"fatal client error: {err}")


def produce(bootstrap, topic, count, rate):
    count, rate = int(count), float(rate)
    producer = Producer({
        "bootstrap.servers": bootstrap,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
        "message.timeout.ms": 60000,
        "error_cb": on_error,
    })

    def delivered(err, msg):
        if err:
            emit({"type": "failed", "value": text(msg.value()), "error": str(err)})
        else:
            emit({"type": "acked", "partition": msg.partition(), "offset": msg.offset(), "value": text(msg.value())})

    start = time.monotonic()
    for i in range(count):
        # Paced, so the stream is still running when a broker is killed and when it comes back.
        while time.monotonic() < start + i / rate:
            producer.poll(0.001)
        producer.produce(topic, key=f"k{i}", value=f"m{i}", on_delivery=delivered)
        producer.poll(0)
    if producer.flush(DEADLINE_S) > 0:
        fail("messages still undelivered at the deadline")


def consume(bootstrap, topic, group):
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "heartbeat.interval.ms": 200,
        "session.timeout.ms": 6000,
        "error_cb": on_error,
    })

    def assigned(c, partitions):
        try:
            committed = {tp.partition: tp.offset if tp.offset >= 0 else -1 for tp in c.committed(partitions, timeout=30)}
        except KafkaException as err:
            # Not known now (the coordinator is moving): these assignments are not checked.
            emit({"type": "error", "error": f"committed: {err}"})
            committed = {}
        for tp in partitions:
            emit({"type": "assigned", "partition": tp.partition, "committed": committed.get(tp.partition)})

    def revoked(c, partitions):
        emit({"type": "revoked", "partitions": [tp.partition for tp in partitions]})

    consumer.subscribe([topic], on_assign=assigned, on_revoke=revoked)
    deadline = time.monotonic() + DEADLINE_S
    while not stopping:
        if time.monotonic() > deadline:
            fail("still running at the deadline")
        msg = consumer.poll(0.2)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() != KafkaError._PARTITION_EOF:
                emit({"type": "error", "error": str(msg.error())})
            continue
        emit({"type": "message", "partition": msg.partition(), "offset": msg.offset(), "value": text(msg.value())})
        try:
            consumer.commit(msg, asynchronous=False)
            emit({"type": "committed", "partition": msg.partition(), "offset": msg.offset() + 1})
        except KafkaException as err:
            # The coordinator died or the group is rebalancing: the next owner reads it again.
            emit({"type": "error", "error": str(err)})
    consumer.close()


def main():
    command, *args = sys.argv[1:]
    try:
        {"produce": produce, "consume": consume}[command](*args)
    except KafkaException as err:
        fail(f"{command}: {err}")


main()
