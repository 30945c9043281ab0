// sink_jsonl: appends every record it receives to a file as one line of JSON (src/json_line.hpp).
//
// Delivery: at least once. A batch is written whole or not at all before put() returns, and the
// file is synced before the runner commits the batch's offsets (pre_commit), so committed offsets
// never get ahead of the file; after a crash the records since the last commit come again and
// their lines appear twice. Records that cannot be JSON text (bytes that are not UTF-8) go to the
// dead-letter topic instead, confirmed before their offsets are committed too.
#include "json_line.hpp"
#include "jsonl_file.hpp"

#include <ingest/sdk.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace {

struct Settings {
    std::string path;
    bool fsync = true;
};

// A path whose directory is missing would fail only when the task starts; saying so here makes
// `ingest connectors validate` and the REST validate call report it with the other problems.
void check_directory(const Settings& settings, ingest::sdk::Problems& problems) {
    if (settings.path.empty()) return;  // not_empty() reports it
    const std::filesystem::path path(settings.path);
    const std::filesystem::path directory = path.has_parent_path() ? path.parent_path() : ".";
    std::error_code error;
    if (!std::filesystem::is_directory(directory, error))
        problems.push_back({"path", "directory '" + directory.string() + "' does not exist"});
    else if (std::filesystem::is_directory(path, error))
        problems.push_back({"path", "'" + settings.path + "' is a directory; name a file in it"});
}

const auto kConfig =
    ingest::sdk::ConfigDef<Settings>()
        .key("path", &Settings::path, ingest::sdk::required,
             "File the records are appended to, one JSON object per line (topic, partition, offset, "
             "timestamp_ms, key, value, headers; a tombstone's value is null). Created if missing; "
             "its directory must exist.")
        .not_empty()
        .key("fsync", &Settings::fsync, true,
             "Sync the file to disk before the runner commits offsets, so that no committed record's "
             "line can be lost in a crash of the machine. false: lines reach the operating system at "
             "every batch, and the disk when it decides.")
        .rule(check_directory);

enum Metric : uint32_t { kLinesWritten, kDeadLetters, kMetricCount };
constexpr ingest_metric_def kMetrics[] = {
    ingest::sdk::counter_metric("lines_written", "Records appended to the file as JSON lines."),
    ingest::sdk::counter_metric("dead_letters", "Records sent to the dead-letter topic (not UTF-8)."),
};
static_assert(std::size(kMetrics) == kMetricCount);

class JsonlSink : public ingest::sdk::SinkTask {
   public:
    void start(const ingest::sdk::Config& config) override {
        settings_ = kConfig.parse(config);
        // Tasks of one connector would append to one file and could not cut back a failed batch
        // without cutting another task's lines.
        if (host().task_count() > 1)
            throw ingest::sdk::FatalError("sink_jsonl writes one file: run it with tasks.max=1 (got " +
                                          std::to_string(host().task_count()) + ")");
        file_ = std::make_unique<sink_jsonl::JsonlFile>(settings_.path);
    }

    void put(std::span<const ingest::sdk::Record> records) override {
        batch_.clear();
        refused_.clear();
        for (const auto& record : records)
            if (auto why_not = sink_jsonl::append_json_line(record, batch_)) refused_.emplace_back(&record, *why_not);
        // The lines first: a write that fails (and is retried) has queued no dead letter yet, so
        // the retry does not queue them twice.
        file_->append(batch_);
        unsynced_ = unsynced_ || !batch_.empty();
        for (const auto& [record, why_not] : refused_) host().dead_letter(*record, why_not);
        const auto dead_letters = static_cast<double>(refused_.size());
        host().metric_add(kLinesWritten, static_cast<double>(records.size()) - dead_letters);
        if (dead_letters > 0) host().metric_add(kDeadLetters, dead_letters);
    }

    // Called before the runner commits each partition's offsets: everything put() so far must be
    // on disk and every dead letter confirmed by then. The proposed offsets are then right as they are.
    std::optional<int64_t> pre_commit(ingest::sdk::TopicPartition, int64_t) override {
        if (settings_.fsync && unsynced_) file_->sync();
        unsynced_ = false;
        host().flush_dead_letters();
        return std::nullopt;
    }

    void stop() override { file_.reset(); }

   private:
    Settings settings_;
    std::unique_ptr<sink_jsonl::JsonlFile> file_;
    std::string batch_;  // reused: steady state allocates nothing per batch
    std::vector<std::pair<const ingest::sdk::Record*, std::string>> refused_;  // of this batch: why not
    bool unsynced_ = false;
};

}  // namespace

INGEST_SINK_PLUGIN(JsonlSink, "sink_jsonl", "1.0.0",
                   "Appends every record (topic, partition, offset, key, value, headers) to a file as one JSON line.",
                   kConfig, 0, kMetrics)
