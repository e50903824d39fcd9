/*
 * The end-to-end benchmark's client: librdkafka (Debian's librdkafka-dev), the C client behind
 * kcat, confluent-kafka and most non-Java clients, so the broker is driven as hard as a real
 * client can drive it and the client itself costs little. Compiled by bench/e2e.mjs at bench time.
 *
 *   loadgen create  <bootstrap> <topic>      (a Metadata request, which auto-creates the topic)
 *   loadgen produce <bootstrap> <topic> <value-bytes> <count> <acks> [messages-per-second [key=value...]]
 *   loadgen consume <bootstrap> <topic> <partitions> <count>
 *
 * Prints one JSON line: messages, bytes, seconds, and for produce the latency from produce() to
 * the delivery report (p50, p99, max in ms) and failed deliveries.
 */
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void set(rd_kafka_conf_t *conf, const char *key, const char *value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key, value, err, sizeof err) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "%s=%s: %s\n", key, value, err);
    exit(2);
  }
}

static float *latencies_ms;
static long delivered, failed;
static double started;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (m->err) failed++;
  /* The per-message opaque is the send time, in microseconds since the start. */
  double sent = (double)(uintptr_t)m->_private / 1e6;
  latencies_ms[delivered++] = (float)((now_s() - started - sent) * 1000.0);
}

static int by_value(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

static int metadata(rd_kafka_t *rk, const char *topic) {
  const struct rd_kafka_metadata *md;
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
  rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
  rd_kafka_topic_destroy(rkt);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    fprintf(stderr, "metadata: %s\n", rd_kafka_err2str(e));
    return 1;
  }
  int partitions = md->topic_cnt == 1 ? md->topics[0].partition_cnt : 0;
  rd_kafka_metadata_destroy(md);
  return partitions > 0 ? 0 : 1;
}

static int create(const char *bootstrap, const char *topic) {
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    fprintf(stderr, "producer: %s\n", err);
    return 2;
  }
  int failed = metadata(rk, topic);
  rd_kafka_destroy(rk);
  if (!failed) printf("{}\n");
  return failed;
}

/* `configs`: `n_configs` extra producer properties as key=value (sticky.partitioning.linger.ms=0...). */
static int produce(const char *bootstrap, const char *topic, long size, long count, const char *acks, double rate,
                   char **configs, int n_configs) {
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "acks", acks);
  set(conf, "linger.ms", "5");
  set(conf, "batch.size", "1000000");
  set(conf, "queue.buffering.max.messages", "1000000");
  set(conf, "queue.buffering.max.kbytes", "1048576");
  set(conf, "enable.idempotence", "false");
  set(conf, "compression.codec", "none");
  for (int i = 0; i < n_configs; i++) {
    char *eq = strchr(configs[i], '=');
    if (!eq) {
      fprintf(stderr, "%s: expected key=value\n", configs[i]);
      return 2;
    }
    *eq = '\0';
    set(conf, configs[i], eq + 1);
  }
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    fprintf(stderr, "producer: %s\n", err);
    return 2;
  }
  char *value = malloc(size);
  for (long i = 0; i < size; i++) value[i] = (char)('a' + i % 26);
  latencies_ms = malloc(sizeof(float) * count);
  /* Metadata first, so the clock starts on data, not on discovery. */
  if (metadata(rk, topic) != 0) return 1;
  started = now_s();
  for (long i = 0; i < count; i++) {
    if (rate > 0) {
      double due = i / rate, behind = due - (now_s() - started);
      if (behind > 0) {
        struct timespec pause = {(time_t)behind, (long)((behind - (time_t)behind) * 1e9)};
        rd_kafka_poll(rk, 0);
        nanosleep(&pause, NULL);
      }
    }
    for (;;) {
      uintptr_t sent_us = (uintptr_t)((now_s() - started) * 1e6);
      rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(value, size),
                                                RD_KAFKA_V_OPAQUE((void *)sent_us), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        fprintf(stderr, "produce: %s\n", rd_kafka_err2str(e));
        return 1;
      }
      rd_kafka_poll(rk, 1);
    }
    rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, 120000);
  double seconds = now_s() - started;
  qsort(latencies_ms, delivered, sizeof(float), by_value);
  float p50 = delivered ? latencies_ms[delivered / 2] : 0, p99 = delivered ? latencies_ms[(long)(delivered * 0.99)] : 0;
  float max = delivered ? latencies_ms[delivered - 1] : 0;
  printf("{\"messages\":%ld,\"bytes\":%ld,\"seconds\":%.4f,\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"maxMs\":%.3f,\"failed\":%ld}\n",
         delivered, delivered * size, seconds, p50, p99, max, failed);
  rd_kafka_destroy(rk);
  return delivered == count && failed == 0 ? 0 : 1;
}

static int consume(const char *bootstrap, const char *topic, int partitions, long count) {
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "group.id", "loadgen");
  set(conf, "enable.auto.commit", "false");
  set(conf, "enable.partition.eof", "false");
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) {
    fprintf(stderr, "consumer: %s\n", err);
    return 2;
  }
  rd_kafka_topic_partition_list_t *assignment = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; p++) rd_kafka_topic_partition_list_add(assignment, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  long messages = 0, bytes = 0;
  double start = now_s(), last_progress = start;
  rd_kafka_assign(rk, assignment);
  while (messages < count) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
    if (!m) {
      if (now_s() - last_progress > 20) break;
      continue;
    }
    if (!m->err) {
      messages++;
      bytes += m->len;
      last_progress = now_s();
    }
    rd_kafka_message_destroy(m);
  }
  double seconds = now_s() - start;
  printf("{\"messages\":%ld,\"bytes\":%ld,\"seconds\":%.4f}\n", messages, bytes, seconds);
  rd_kafka_topic_partition_list_destroy(assignment);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return messages == count ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc >= 7 && strcmp(argv[1], "produce") == 0) {
    return produce(argv[2], argv[3], atol(argv[4]), atol(argv[5]), argv[6], argc > 7 ? atof(argv[7]) : 0, argv + 8,
                   argc > 8 ? argc - 8 : 0);
  }
  if (argc == 4 && strcmp(argv[1], "create") == 0) return create(argv[2], argv[3]);
  if (argc == 6 && strcmp(argv[1], "consume") == 0) return consume(argv[2], argv[3], atoi(argv[4]), atol(argv[5]));
  fprintf(stderr, "usage: loadgen create <bootstrap> <topic>\n"
                  "       loadgen produce <bootstrap> <topic> <value-bytes> <count> <acks> [msgs/s [key=value...]]\n"
                  "       loadgen consume <bootstrap> <topic> <partitions> <count>\n");
  return 2;
}
