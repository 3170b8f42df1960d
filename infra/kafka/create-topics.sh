#!/usr/bin/env bash
# Creates dvk's topics, or brings an existing one's settings in line (idempotent): run by the
# one-shot kafka-init container of infra/compose.yaml, or by hand with the same variables.
#   dvk.evaluation-events      input: one event per message, key = unit id (12 partitions, 30 days)
#   dvk.evaluation-events.dlq  refused input with the reason in headers (90 days)
#   dvk.rankings               published rankings, key = year/list: compacted, the latest per key stays
set -euo pipefail
BOOT="${DVK_KAFKA_BOOTSTRAP:-kafka:9092}"
RF="${DVK_TOPIC_REPLICATION:-1}"
ISR="${DVK_TOPIC_MIN_ISR:-1}"
BIN="${KAFKA_BIN:-/opt/kafka/bin}"

topic() { # name partitions configs…
  local name="$1" parts="$2"
  shift 2
  local configs=("min.insync.replicas=${ISR}" "$@")
  local args=()
  for c in "${configs[@]}"; do args+=(--config "$c"); done
  "$BIN/kafka-topics.sh" --bootstrap-server "$BOOT" --create --if-not-exists --topic "$name" \
    --partitions "$parts" --replication-factor "$RF" "${args[@]}"
  # An existing topic keeps its data; its settings are set again, and partitions only grow.
  local joined
  joined=$(IFS=,; echo "${configs[*]}")
  "$BIN/kafka-configs.sh" --bootstrap-server "$BOOT" --alter --entity-type topics --entity-name "$name" --add-config "$joined"
  local have
  have=$("$BIN/kafka-topics.sh" --bootstrap-server "$BOOT" --describe --topic "$name" | awk -F'PartitionCount: ' 'NF>1 {split($2, a, /[ \t]/); print a[1]; exit}')
  if [ -n "$have" ] && [ "$have" -lt "$parts" ]; then
    "$BIN/kafka-topics.sh" --bootstrap-server "$BOOT" --alter --topic "$name" --partitions "$parts"
  fi
  echo "topic $name: ${parts} partitions, replication ${RF}, ${configs[*]}"
}

for i in $(seq 1 30); do
  if "$BIN/kafka-topics.sh" --bootstrap-server "$BOOT" --list >/dev/null 2>&1; then break; fi
  echo "waiting for Kafka at $BOOT ($i)"; sleep 2
done

topic dvk.evaluation-events "${DVK_EVENTS_PARTITIONS:-12}" cleanup.policy=delete "retention.ms=${DVK_EVENTS_RETENTION_MS:-2592000000}"
topic dvk.evaluation-events.dlq "${DVK_DLQ_PARTITIONS:-3}" cleanup.policy=delete "retention.ms=${DVK_DLQ_RETENTION_MS:-7776000000}"
topic dvk.rankings "${DVK_RANKINGS_PARTITIONS:-3}" cleanup.policy=compact min.cleanable.dirty.ratio=0.1 segment.ms=3600000 delete.retention.ms=86400000
echo "dvk topics ready"
