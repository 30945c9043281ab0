#include "key_store.hpp"

#include "spill_file.hpp"

#include <unistd.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace ingest::plugins::sink_validator {
namespace {

// Small: a spilled bucket keeps its buffer, and the budget counts it.
constexpr size_t kJournalBufferBytes = 8 * 1024;

std::string bucket_file(const std::string& directory, size_t bucket, const char* kind) {
    return directory + "/bucket-" + std::to_string(bucket) + "." + kind;
}

}  // namespace

// ---- KeyTable

uint32_t KeyTable::find(const Uuid& id, uint64_t hash) const {
    if (slots_.empty()) return kNone;
    const size_t mask = slots_.size() - 1;
    for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
        const uint32_t entry = slots_[slot];
        if (entry == 0) return kNone;
        if (states_[entry - 1].id == id) return entry - 1;
    }
}

void KeyTable::rehash(size_t slot_count) {
    slots_.assign(slot_count, 0);
    const size_t mask = slot_count - 1;
    for (uint32_t index = 0; index < states_.size(); ++index) {
        size_t slot = id_hash(states_[index].id) & mask;
        while (slots_[slot] != 0) slot = (slot + 1) & mask;
        slots_[slot] = index + 1;
    }
}

uint32_t KeyTable::insert(const KeyState& state, uint64_t hash) {
    if ((states_.size() + 1) * 10 > slots_.size() * 7) rehash(std::max<size_t>(16, slots_.size() * 2));
    // Grow by a quarter, not double: the states are most of the memory.
    if (states_.size() == states_.capacity()) states_.reserve(states_.size() + states_.size() / 4 + 16);
    const auto index = static_cast<uint32_t>(states_.size());
    states_.push_back(state);
    const size_t mask = slots_.size() - 1;
    size_t slot = hash & mask;
    while (slots_[slot] != 0) slot = (slot + 1) & mask;
    slots_[slot] = index + 1;
    return index;
}

void KeyTable::assign(std::vector<KeyState> states) {
    states_ = std::move(states);
    size_t slot_count = 16;
    while (slot_count * 7 < (states_.size() + 1) * 10) slot_count *= 2;
    rehash(slot_count);
}

void KeyTable::clear() {
    // Not `states_ = {}`: that is the initializer-list assignment, which keeps the capacity.
    states_ = std::vector<KeyState>();
    slots_ = std::vector<uint32_t>();
}

// ---- KeyCounts

void KeyCounts::add(const KeyState& state, int sign) {
    events += sign;
    changes += sign * static_cast<int64_t>(state.changes);
    if (state.deleted()) {
        deleted += sign;
        return;
    }
    expected_rows += sign;
    if (state.flags & KeyState::kInvalid) invalidated += sign;
    if (state.flags & KeyState::kLate) late_rows += sign;
}

// ---- KeyStore

KeyStore::KeyStore(size_t budget_bytes, std::string work_directory)
    : budget_bytes_(budget_bytes), work_directory_(std::move(work_directory)), buckets_(kBuckets) {}

KeyStore::~KeyStore() {
    if (directory_.empty()) return;
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
}

KeyStore::KeyStore(KeyStore&& other) noexcept { *this = std::move(other); }

KeyStore& KeyStore::operator=(KeyStore&& other) noexcept {
    if (this == &other) return *this;
    if (!directory_.empty()) {
        std::error_code ignored;
        std::filesystem::remove_all(directory_, ignored);
    }
    budget_bytes_ = other.budget_bytes_;
    work_directory_ = std::move(other.work_directory_);
    directory_ = std::move(other.directory_);
    other.directory_.clear();
    buckets_ = std::move(other.buckets_);
    other.buckets_ = std::vector<Bucket>(kBuckets);
    memory_bytes_ = other.memory_bytes_;
    peak_memory_bytes_ = other.peak_memory_bytes_;
    finished_ = other.finished_;
    counts_ = other.counts_;
    disordered_ = std::move(other.disordered_);
    replaced_ = std::move(other.replaced_);
    return *this;
}

std::string KeyStore::spill_path(const std::string& name) {
    if (directory_.empty()) {
        namespace fs = std::filesystem;
        static std::atomic<uint64_t> counter{0};
        const fs::path base =
            work_directory_.empty() ? fs::temp_directory_path() : fs::path(work_directory_);
        const fs::path dir = base / ("sink_validator-" + std::to_string(::getpid()) + "-" +
                                     std::to_string(counter.fetch_add(1)));
        std::error_code error;
        fs::create_directories(dir, error);
        if (error)
            throw SpillError("cannot create the spill directory " + dir.string() + ": " +
                                     error.message());
        directory_ = dir.string();
    }
    return directory_ + "/" + name;
}

void KeyStore::note_memory(size_t before, size_t after) {
    memory_bytes_ = memory_bytes_ - before + after;
    peak_memory_bytes_ = std::max(peak_memory_bytes_, memory_bytes_);
}

void KeyStore::add(const RecordFacts& record) {
    const uint64_t hash = id_hash(record.id);
    const size_t index = bucket_of(hash);
    Bucket& bucket = buckets_[index];
    if (bucket.spilled) {
        const size_t before = bucket.journal.capacity();
        append_raw(bucket.journal, record);
        if (bucket.journal.size() >= kJournalBufferBytes) flush_journal(index);
        note_memory(before, bucket.journal.capacity());
        return;
    }
    const uint32_t found = bucket.table.find(record.id, hash);
    if (found != KeyTable::kNone) {
        KeyState& state = bucket.table.at(found);
        if (!fold(state, record) && !disordered_.contains(state.id)) disordered_.emplace(state.id, state);
        return;
    }
    const size_t before = bucket.table.bytes();
    bucket.table.insert(first_state(record), hash);
    const size_t after = bucket.table.bytes();
    if (after != before) {
        note_memory(before, after);
        if (memory_bytes_ > budget_bytes_) spill_until_within_budget();
    }
}

void KeyStore::spill_until_within_budget() {
    while (memory_bytes_ > budget_bytes_) {
        size_t largest = kBuckets;
        for (size_t i = 0; i < kBuckets; ++i)
            if (!buckets_[i].spilled && buckets_[i].table.size() > 0 &&
                (largest == kBuckets || buckets_[i].table.bytes() > buckets_[largest].table.bytes()))
                largest = i;
        if (largest == kBuckets) return;  // only journal buffers left
        spill(largest);
    }
}

void KeyStore::spill(size_t index) {
    Bucket& bucket = buckets_[index];
    const std::string path = spill_path("bucket-" + std::to_string(index) + ".keys");
    write_all(path, bucket.table.states().data(), bucket.table.size() * sizeof(KeyState), false);
    const size_t before = bucket.table.bytes();
    bucket.table.clear();
    bucket.spilled = true;
    note_memory(before, bucket.table.bytes());
#ifdef __GLIBC__
    // The freed table sits in the middle of a heap that malloc would otherwise keep: give its
    // pages back, or the process's resident memory keeps what the budget let go.
    malloc_trim(0);
#endif
}

void KeyStore::flush_journal(size_t index) {
    Bucket& bucket = buckets_[index];
    if (bucket.journal.empty()) return;
    write_all(bucket_file(directory_, index, "journal"), bucket.journal.data(), bucket.journal.size(),
              true);
    bucket.journal.clear();
}

size_t KeyStore::spilled_buckets() const {
    size_t count = 0;
    for (const Bucket& bucket : buckets_) count += bucket.spilled ? 1 : 0;
    return count;
}

void KeyStore::finish() {
    if (finished_) return;
    finished_ = true;
    counts_ = {};
    for (size_t index = 0; index < kBuckets; ++index) {
        Bucket& bucket = buckets_[index];
        if (!bucket.spilled) {
            for (const KeyState& state : bucket.table.states()) counts_.add(state);
            continue;
        }
        flush_journal(index);
        const size_t journal_bytes = bucket.journal.capacity();
        bucket.journal = std::vector<char>();
        note_memory(journal_bytes, 0);
        const std::string journal_path = bucket_file(directory_, index, "journal");
        const std::string keys_path = bucket_file(directory_, index, "keys");
        KeyTable table;
        table.assign(read_all<KeyState>(keys_path));
        for_each_raw<RecordFacts>(journal_path, [&](const RecordFacts& record) {
            const uint64_t hash = id_hash(record.id);
            const uint32_t found = table.find(record.id, hash);
            if (found == KeyTable::kNone) {
                table.insert(first_state(record), hash);
                return;
            }
            KeyState& state = table.at(found);
            if (!fold(state, record) && !disordered_.contains(state.id)) disordered_.emplace(state.id, state);
        });
        for (uint32_t i = 0; i < table.size(); ++i) {
            const KeyState& state = table.at(i);
            if (auto stale = disordered_.find(state.id); stale != disordered_.end()) stale->second = state;
            counts_.add(state);
        }
        write_all(keys_path, table.states().data(), table.size() * sizeof(KeyState), false);
        std::error_code ignored;
        std::filesystem::remove(journal_path, ignored);
    }
}

void KeyStore::replace(const KeyState& state) {
    const uint64_t hash = id_hash(state.id);
    const size_t index = bucket_of(hash);
    Bucket& bucket = buckets_[index];
    std::optional<KeyState> old;
    if (bucket.spilled) {
        if (auto stale = disordered_.find(state.id); stale != disordered_.end()) old = stale->second;
        else old = find(state.id);
        replaced_[state.id] = state;
    } else {
        const uint32_t found = bucket.table.find(state.id, hash);
        if (found == KeyTable::kNone) {
            bucket.table.insert(state, hash);
        } else {
            old = bucket.table.at(found);
            bucket.table.at(found) = state;
        }
    }
    if (finished_) {
        if (old) counts_.add(*old, -1);
        counts_.add(state);
    }
}

KeyTable KeyStore::load(size_t index) const {
    KeyTable table;
    std::vector<KeyState> states = read_all<KeyState>(bucket_file(directory_, index, "keys"));
    if (!replaced_.empty())
        for (KeyState& state : states)
            if (auto replacement = replaced_.find(state.id); replacement != replaced_.end())
                state = replacement->second;
    table.assign(std::move(states));
    return table;
}

std::optional<KeyState> KeyStore::find(const Uuid& id) const {
    const uint64_t hash = id_hash(id);
    const size_t index = bucket_of(hash);
    if (!buckets_[index].spilled) {
        const uint32_t found = buckets_[index].table.find(id, hash);
        if (found == KeyTable::kNone) return std::nullopt;
        return buckets_[index].table.at(found);
    }
    if (auto replacement = replaced_.find(id); replacement != replaced_.end()) return replacement->second;
    const KeyTable table = load(index);
    const uint32_t found = table.find(id, hash);
    if (found == KeyTable::kNone) return std::nullopt;
    return table.at(found);
}

}  // namespace ingest::plugins::sink_validator
