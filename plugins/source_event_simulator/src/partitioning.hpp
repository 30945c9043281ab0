// Where the simulator places a record: the partition of its event's first user_id, so that every
// record of one user lands in one partition (per-user order) and every record of one event (its
// original, corrections, invalidations, duplicates and tombstone) too, since an event keeps the
// partition of its FIRST user_id even when a correction changes the user (per-key compaction).
//
// The hash is Kafka's: murmur2 of the user_id's bytes, made positive, modulo the partition count,
// as Kafka's Java producer's default partitioner (and librdkafka's "murmur2" partitioner) places a
// record keyed by that user_id. Any Kafka client can recompute where a user's events are; and it is
// fixed by that definition, not by this code, so it stays stable across versions.
#pragma once

#include <cstdint>
#include <string_view>

namespace ingest::plugins::source_event_simulator {

// Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), as a signed 32-bit value.
int32_t kafka_murmur2(std::string_view bytes);

// The partition of `user_id` among `partitions` (> 0): toPositive(murmur2) % partitions.
int32_t user_partition(std::string_view user_id, int32_t partitions);

// The same for the simulator's user number (user_id "user-<user>").
int32_t user_partition(uint32_t user, int32_t partitions);

}  // namespace ingest::plugins::source_event_simulator
