// Kafka Connect's KIP-875 offsets of a connector, wherever they live:
//   - a sink that owns its offsets (sink_postgres keeps them in its database, in the same
//     transaction as its rows): the plugin's store, read and changed through ABI 1.3's
//     list_offsets/alter_offsets on a task of their own (started, never given partitions);
//   - any other sink: its consumer group's committed offsets;
//   - a source: none. This runner keeps no source offsets; a source resumes as its plugin decides.
// The herder calls these only while the connector is STOPPED, so no task of it runs meanwhile.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ingest::worker {

struct ConnectorDefinition;  // herder.hpp

// A partition's next offset to consume; in a change, nullopt forgets it (the partition starts from
// the beginning of its topic).
struct ConnectorOffset {
    std::string topic;
    int32_t partition = 0;
    std::optional<int64_t> offset;
    bool operator==(const ConnectorOffset&) const = default;
};

// Where a connector's offsets live.
enum class OffsetStore { plugin, consumer_group, none };
OffsetStore offset_store(const ConnectorDefinition& connector);

// The request cannot apply to this connector (a source's offsets; a partition of a topic the sink
// does not consume; a negative offset). The message says which and why.
class OffsetsRefused : public std::invalid_argument {
   public:
    using std::invalid_argument::invalid_argument;
};
// The plugin stores its offsets but was built against an ABI before 1.3, which cannot reach them.
class OffsetsUnsupported : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

// Sorted by topic and partition. Throws OffsetsUnsupported, or std::runtime_error when the store
// cannot be read (the plugin's or the broker's reason).
std::vector<ConnectorOffset> read_offsets(const ConnectorDefinition& connector, const std::string& bootstrap);
// Applies every change or, as far as the store allows, none (a plugin: one transaction).
void alter_offsets(const ConnectorDefinition& connector, const std::string& bootstrap,
                   const std::vector<ConnectorOffset>& changes);
// Forgets every stored offset: the connector starts from the beginning of its topics.
void reset_offsets(const ConnectorDefinition& connector, const std::string& bootstrap);

}  // namespace ingest::worker
