"""Security driver (confluent-kafka or kafka-python) for test/clients/security-*.test.ts. CLIENT is
"confluent" or "kafka-python"; CONFIG is a JSON object of that client's own settings (security.protocol,
sasl.*, ssl.* for librdkafka; security_protocol, sasl_*, ssl_* for kafka-python).

  roundtrip CLIENT CONFIG BOOTSTRAP TOPIC COUNT   produce COUNT messages, read them back; JSON list of values
  produce   CLIENT CONFIG BOOTSTRAP TOPIC         produce one message; JSON {"error": null | error name}
  consume   CLIENT CONFIG BOOTSTRAP TOPIC         read partition 0 from the beginning; {"error", "values"}
  commit    CLIENT CONFIG BOOTSTRAP TOPIC GROUP   commit offset 0 of partition 0 for GROUP; {"error"}
  topics    CLIENT CONFIG BOOTSTRAP               JSON list of the topics Metadata shows
  acl       kafka-python CONFIG BOOTSTRAP JSON    CreateAcls through KafkaAdminClient; JSON list of ACL specs
Failing to connect or authenticate exits non-zero with the reason on stderr.
"""
import json
import sys
import time

from driver import DEADLINE_S, TIMEOUT_MS, emit, fail


def confluent_error_name(err):
    from confluent_kafka import KafkaError
    code = err.code()
    for name in dir(KafkaError):
        if getattr(KafkaError, name) == code and name.isupper() and not name.startswith("_"):
            return name
    return str(err)


class Confluent:
    def __init__(self, config, bootstrap):
        self.config = {**config, "bootstrap.servers": bootstrap, "error_cb": self.on_error}

    def on_error(self, err):
        from confluent_kafka import KafkaError
        if err.fatal() or err.code() in (KafkaError._AUTHENTICATION, KafkaError._SSL):
            fail(f"client error: {err}")

    def produce(self, topic, values):
        from confluent_kafka import Producer
        producer = Producer({**self.config, "acks": "all", "message.timeout.ms": TIMEOUT_MS, "retries": 0})
        errors = []
        for v in values:
            producer.produce(topic, value=v.encode(), on_delivery=lambda err, _m: errors.append(err))
        producer.flush(DEADLINE_S)
        failed = [e for e in errors if e is not None]
        return confluent_error_name(failed[0]) if failed else None

    def consume(self, topic, count=None):
        from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition
        consumer = Consumer({**self.config, "group.id": "security-reader", "enable.auto.commit": False,
                             "enable.partition.eof": True})
        consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
        values, deadline = [], time.time() + DEADLINE_S
        try:
            while time.time() < deadline:
                m = consumer.poll(0.5)
                if m is None:
                    continue
                if m.error():
                    if m.error().code() == KafkaError._PARTITION_EOF:
                        if count is None or len(values) >= count:
                            return None, values
                        continue
                    return confluent_error_name(m.error()), values
                values.append(m.value().decode())
            return "TIMED_OUT", values
        finally:
            consumer.close()

    def commit(self, topic, group):
        from confluent_kafka import Consumer, KafkaException, TopicPartition
        consumer = Consumer({**self.config, "group.id": group, "enable.auto.commit": False})
        try:
            consumer.commit(offsets=[TopicPartition(topic, 0, 0)], asynchronous=False)
            return None
        except KafkaException as e:
            return confluent_error_name(e.args[0])
        finally:
            consumer.close()

    def topics(self):
        from confluent_kafka.admin import AdminClient
        return sorted(AdminClient(self.config).list_topics(timeout=DEADLINE_S).topics)


class KafkaPython:
    def __init__(self, config, bootstrap):
        self.config = {**config, "bootstrap_servers": bootstrap, "request_timeout_ms": TIMEOUT_MS}

    def produce(self, topic, values):
        from kafka import KafkaProducer
        from kafka.errors import KafkaError
        producer = KafkaProducer(**self.config, acks="all", max_block_ms=TIMEOUT_MS, retries=0)
        try:
            for f in [producer.send(topic, value=v.encode()) for v in values]:
                f.get(timeout=DEADLINE_S)
            return None
        except KafkaError as e:
            return type(e).__name__
        finally:
            producer.close(timeout=DEADLINE_S)

    def consume(self, topic, count=None):
        from kafka import KafkaConsumer, TopicPartition
        from kafka.errors import KafkaError
        consumer = KafkaConsumer(**self.config, enable_auto_commit=False, consumer_timeout_ms=TIMEOUT_MS)
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        values, deadline = [], time.time() + DEADLINE_S
        try:
            end = consumer.end_offsets([tp])[tp]
            while consumer.position(tp) < end and time.time() < deadline:
                for records in consumer.poll(timeout_ms=500).values():
                    values.extend(r.value.decode() for r in records)
            return None, values
        except KafkaError as e:
            return type(e).__name__, values
        finally:
            consumer.close()

    def topics(self):
        from kafka import KafkaConsumer
        consumer = KafkaConsumer(**self.config)
        try:
            return sorted(consumer.topics())
        finally:
            consumer.close()

    def acl(self, specs):
        from kafka.admin import (ACL, ACLOperation, ACLPermissionType, KafkaAdminClient, ResourcePattern,
                                 ResourceType)
        from kafka.admin.acl_resource import ACLResourcePatternType
        admin = KafkaAdminClient(**self.config)
        acls = [ACL(principal=s["principal"], host="*", operation=ACLOperation[s["operation"]],
                    permission_type=ACLPermissionType[s["permission"]],
                    resource_pattern=ResourcePattern(ResourceType[s["resource"]], s["name"],
                                                     ACLResourcePatternType[s.get("pattern", "LITERAL")]))
                for s in specs]
        result = admin.create_acls(acls)
        admin.close()
        if result["failed"]:
            fail(f"CreateAcls failed: {result['failed']}")


def main():
    command, client_name, config, bootstrap, *rest = sys.argv[1:]
    client = (Confluent if client_name == "confluent" else KafkaPython)(json.loads(config), bootstrap)
    if command == "roundtrip":
        topic, count = rest[0], int(rest[1])
        error = client.produce(topic, [f"value-{i}" for i in range(count)])
        if error:
            fail(f"produce failed: {error}")
        error, values = client.consume(topic, count)
        if error:
            fail(f"consume failed: {error}")
        emit(values)
    elif command == "produce":
        emit({"error": client.produce(rest[0], ["one"])})
    elif command == "consume":
        error, values = client.consume(rest[0])
        emit({"error": error, "values": values})
    elif command == "commit":
        emit({"error": client.commit(rest[0], rest[1])})
    elif command == "topics":
        emit(client.topics())
    elif command == "acl":
        client.acl(json.loads(rest[0]))
        emit({"error": None})
    else:
        fail(f"unknown command {command}")


if __name__ == "__main__":
    main()
