// The per-event-id truth (KeyState, 56 bytes an id), hash-partitioned by id into kBuckets
// buckets, held in memory up to a byte budget and spilled to files beyond it.
//
// Each bucket is a small open-addressing table (the states in one array, 4-byte slots at most 70%
// full): about 64-80 bytes an id in memory (76 measured at 900k ids). When the tables together outgrow the budget, the
// largest bucket goes to disk: its states are written to `bucket-<i>.keys` and freed, and from then
// on every record of that bucket is appended, unfolded, to its journal `bucket-<i>.journal`
// (RecordFacts, 48 bytes a record). finish() folds each spilled bucket's journal into its states
// one bucket at a time, so memory stays within the budget plus one bucket (about 1/256 of the ids).
// The comparison then routes the table's rows to the same buckets (a grace hash join): rows of a
// bucket in memory are compared at once, those of a spilled bucket go to a file and are compared
// with the bucket when it is loaded back.
#pragma once

#include "key_state.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ingest::plugins::sink_validator {

// One bucket's states with an index by id.
class KeyTable {
   public:
    static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

    size_t size() const { return states_.size(); }
    const KeyState& at(uint32_t index) const { return states_[index]; }
    KeyState& at(uint32_t index) { return states_[index]; }
    const std::vector<KeyState>& states() const { return states_; }

    // The index of `id`'s state, or kNone.
    uint32_t find(const Uuid& id, uint64_t hash) const;
    // Appends a state for an id not in the table; returns its index.
    uint32_t insert(const KeyState& state, uint64_t hash);
    size_t bytes() const {
        return states_.capacity() * sizeof(KeyState) + slots_.capacity() * sizeof(uint32_t);
    }
    // Replaces the table with `states` (ids distinct).
    void assign(std::vector<KeyState> states);
    void clear();

   private:
    void rehash(size_t slot_count);

    std::vector<KeyState> states_;
    std::vector<uint32_t> slots_;  // index + 1 into states_; 0 = empty
};

// Sums over the ids' final states.
struct KeyCounts {
    int64_t events = 0;         // ids
    int64_t changes = 0;        // records that changed a state
    int64_t deleted = 0;
    int64_t expected_rows = 0;  // ids not deleted
    int64_t invalidated = 0;
    int64_t late_rows = 0;

    void add(const KeyState& state, int sign = 1);
};

class KeyStore {
   public:
    static constexpr size_t kBuckets = 256;

    // `budget_bytes`: memory for the states in memory; beyond it buckets spill to files in a new
    // directory under `work_directory` (empty: the system's temporary directory), removed again
    // by the destructor.
    explicit KeyStore(size_t budget_bytes = std::numeric_limits<size_t>::max(),
                      std::string work_directory = {});
    ~KeyStore();
    KeyStore(KeyStore&&) noexcept;
    KeyStore& operator=(KeyStore&&) noexcept;

    static size_t bucket_of(uint64_t hash) { return static_cast<size_t>(hash >> 56); }

    // Folds a record into its id's state (or journals it, for a spilled bucket). Throws
    // std::runtime_error when a spill file cannot be written.
    void add(const RecordFacts& record);

    // After the last record: folds the journals of the spilled buckets and sums the counts.
    void finish();
    bool finished() const { return finished_; }
    // Ids whose records did not come in Kafka order, with their (unreliable) state: derive them
    // again from all their records and replace() them.
    const std::unordered_map<Uuid, KeyState, shared::user_events::UuidHash>& disordered() const {
        return disordered_;
    }
    // A state derived again (after finish()).
    void replace(const KeyState& state);
    const KeyCounts& counts() const { return counts_; }

    bool spilled(size_t bucket) const { return buckets_[bucket].spilled; }
    size_t spilled_buckets() const;
    // The in-memory table of a bucket that did not spill.
    const KeyTable& table(size_t bucket) const { return buckets_[bucket].table; }
    // A spilled bucket's states read back (replaced states included). Throws std::runtime_error.
    KeyTable load(size_t bucket) const;
    // The state of an id, wherever it is (a spilled bucket is read back: for tests and examples).
    std::optional<KeyState> find(const Uuid& id) const;

    size_t memory_bytes() const { return memory_bytes_; }
    size_t peak_memory_bytes() const { return peak_memory_bytes_; }
    size_t budget_bytes() const { return budget_bytes_; }
    // Where spill files go (created on the first spill); empty before.
    const std::string& directory() const { return directory_; }
    // A file of the spill directory, created if needed (for the comparison's own bucket files).
    std::string spill_path(const std::string& name);

   private:
    struct Bucket {
        KeyTable table;
        bool spilled = false;
        std::vector<char> journal;  // unwritten journal entries
    };

    void spill_until_within_budget();
    void spill(size_t bucket);
    void flush_journal(size_t bucket);
    void note_memory(size_t before, size_t after);

    size_t budget_bytes_;
    std::string work_directory_;
    std::string directory_;
    std::vector<Bucket> buckets_;  // kBuckets
    size_t memory_bytes_ = 0;
    size_t peak_memory_bytes_ = 0;
    bool finished_ = false;
    KeyCounts counts_;
    std::unordered_map<Uuid, KeyState, shared::user_events::UuidHash> disordered_;
    std::unordered_map<Uuid, KeyState, shared::user_events::UuidHash> replaced_;  // spilled ids only
};

}  // namespace ingest::plugins::sink_validator
