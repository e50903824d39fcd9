"""confluent-kafka (librdkafka) driver for test/testing/faults.test.ts: one idempotent produce, or one
metadata request, against a broker with injected faults; what the application saw goes to stdout.

  produce   BOOTSTRAP TOPIC VALUE [CONFIG=VALUE...]   {"offset": n} or {"error": name, "retriable": b, "fatal": b}
  metadata  BOOTSTRAP TOPIC                           {"partitions": n}
"""
import json
import sys

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient
from driver import DEADLINE_S, emit, fail


def produce(bootstrap, topic, value, *config):
    settings = {"bootstrap.servers": bootstrap, "enable.idempotence": True, "retry.backoff.ms": 50}
    settings.update(dict(c.split("=", 1) for c in config))
    producer = Producer(settings)
    outcome = {}

    def delivered(err, msg):
        if err is None:
            outcome["offset"] = msg.offset()
        else:
            outcome.update(error=err.name(), retriable=err.retriable(), fatal=err.fatal())

    producer.produce(topic, value=value.encode(), on_delivery=delivered)
    if producer.flush(DEADLINE_S) != 0:
        fail("the message is still undelivered after flush")
    emit(outcome)


def metadata(bootstrap, topic):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    topics = admin.list_topics(topic, timeout=DEADLINE_S).topics
    emit({"partitions": len(topics[topic].partitions)})


if __name__ == "__main__":
    {"produce": produce, "metadata": metadata}[sys.argv[1]](*sys.argv[2:])
