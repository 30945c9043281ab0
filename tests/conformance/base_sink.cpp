// A small sink against the raw C ABI (plugin_abi.h alone) that keeps every conformance rule, and,
// built with -DBREAK_<RULE>, a variant that breaks exactly that rule (CMakeLists.txt lists them).
//
// It appends each record it takes as one escaped line to `<dir>/<file.name>` and owns its offsets:
// the next offset per partition lives in `<dir>/offsets`, replaced atomically after the batch's
// lines are written, and open() hands them back. A redelivered record below the stored offset is
// skipped. What it cannot take goes to the dead-letter topic with a reason (a value that is not
// UTF-8 text, a tombstone without a key), confirmed by flush_dead_letters() before the offsets move.
// C++ on the inside; every entry point catches what it throws and returns FATAL with the message.
#include "fixture_calls.hpp"

#include <ingest/plugin_abi.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#ifndef FIXTURE_NAME
#define FIXTURE_NAME "conformance_sink"
#endif

namespace {

using Partition = std::pair<std::string, int32_t>;
using Offsets = std::map<Partition, int64_t>;

struct Sink {
    const ingest_host* host = nullptr;
    std::filesystem::path dir;
    std::string file_name;
    std::FILE* out = nullptr;
    bool running = false;

    std::filesystem::path offsets_file() const { return dir / "offsets"; }
};

Sink* sink_of(void* task) { return static_cast<Sink*>(task); }


bool is_utf8(const ingest_bytes& bytes) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data);
    const auto* end = p + bytes.size;
    while (p < end) {
        size_t length = *p < 0x80 ? 1 : (*p >> 5) == 0x6 ? 2 : (*p >> 4) == 0xe ? 3 : (*p >> 3) == 0x1e ? 4 : 0;
        if (length == 0 || static_cast<size_t>(end - p) < length) return false;
        for (size_t i = 1; i < length; ++i)
            if ((p[i] & 0xc0) != 0x80) return false;
        p += length;
    }
    return true;
}

// "-" when absent, else "=" and the bytes with control bytes and the backslash as \xNN: one record
// is one line whatever its bytes.
std::string escaped(const ingest_bytes& bytes) {
    if (!bytes.data) return "-";
    std::string out = "=";
    out.reserve(bytes.size + 1);
    for (size_t i = 0; i < bytes.size; ++i) {
        const auto c = static_cast<unsigned char>(bytes.data[i]);
        if (c < 0x20 || c == 0x7f || c == '\\') {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

// The offsets file: one "<partition> <next offset> <topic>" line per partition.
Offsets read_offsets(const std::filesystem::path& file) {
    Offsets offsets;
    std::ifstream in(file);
    int32_t partition = 0;
    int64_t next = 0;
    std::string topic;
    while (in >> partition >> next && std::getline(in >> std::ws, topic)) offsets[{topic, partition}] = next;
    return offsets;
}

void write_offsets(const std::filesystem::path& file, const Offsets& offsets) {
    const std::filesystem::path part = file.string() + ".part";
    {
        std::ofstream out(part, std::ios::trunc);
        for (const auto& [where, next] : offsets) out << where.second << ' ' << next << ' ' << where.first << '\n';
        out.flush();
        if (!out) throw std::runtime_error("cannot write " + part.string());
    }
    std::filesystem::rename(part, file);
}

// Why the sink cannot take a record, or nullptr when it can.
const char* refusal_of(const ingest_record& record) {
    if (!record.value.data) return record.key.data ? nullptr : "a tombstone without a key deletes nothing";
    if (!is_utf8(record.value)) return "the value is not UTF-8 text";
    return nullptr;
}

ingest_status put_batch(Sink& sink, const ingest_record* records, size_t count, ingest_error* error) {
    if (!sink.running) return failed(error, INGEST_FATAL, "put() before start()");
#if defined(BREAK_RECORDS_EMPTY_BATCH)
    // Broken: treats the runner's idle tick as "nothing to do yet, ask again".
    if (count == 0) return failed(error, INGEST_RETRIABLE, "an empty batch");
#endif
    if (count == 0) return INGEST_OK;
    const Offsets stored = read_offsets(sink.offsets_file());
    Offsets next = stored;
    std::string lines;
    std::vector<std::pair<const ingest_record*, const char*>> dead;
    for (size_t i = 0; i < count; ++i) {
        const ingest_record& record = records[i];
        const Partition where{record.topic, record.partition};
        if (auto it = stored.find(where); it != stored.end() && record.offset < it->second) continue;
#if defined(BREAK_RECORDS_HUGE)
        // Broken: keys go into a fixed buffer, and a longer one fails an assertion.
        if (record.key.size > 4096) std::abort();
#endif
#if defined(BREAK_RECORDS_TOMBSTONE)
        // Broken: a tombstone is "not supported yet, try later", forever.
        if (!record.value.data) return failed(error, INGEST_RETRIABLE, "tombstones are not supported yet");
#endif
        const char* refusal = refusal_of(record);
#if defined(BREAK_RECORDS_MALFORMED)
        // Broken: a record that can never be decoded is taken for a transient failure.
        if (refusal && record.value.data)
            return failed(error, INGEST_RETRIABLE, std::string(refusal) + " (will retry)");
#elif defined(BREAK_ERRORS_CONTAINED)
        // Broken: the decoding error is thrown and nothing catches it before the C boundary.
        if (refusal && record.value.data) throw std::invalid_argument(refusal);
#endif
        if (refusal)
            dead.emplace_back(&record, refusal);
        else
            lines += std::to_string(record.partition) + ' ' + std::to_string(record.offset) + ' ' +
                     escaped(record.key) + ' ' + escaped(record.value) + '\n';
        next[where] = std::max(next.count(where) ? next[where] : int64_t{0}, record.offset + 1);
    }
    const ingest_host& host = *sink.host;
    for (const auto& [record, reason] : dead)
        if (ingest_status status = host.dead_letter(host.context, record, reason, error); status != INGEST_OK)
            return status;  // nothing written yet: the whole batch comes again
#if !defined(BREAK_SINK_RETRIABLE_APPLIES_NOTHING)
    // The dead letters are confirmed before the offsets move past them: a crash cannot lose them.
    if (ingest_status status = host.flush_dead_letters(host.context, error); status != INGEST_OK) return status;
#endif
    // Lines first, then offsets: a crash between the two writes a batch twice into the file, but
    // the stored offsets never pass a record that is not there.
    if (std::fwrite(lines.data(), 1, lines.size(), sink.out) != lines.size() || std::fflush(sink.out) != 0)
        return failed(error, INGEST_FATAL, "cannot append to " + (sink.dir / sink.file_name).string());
    write_offsets(sink.offsets_file(), next);
#if defined(BREAK_SINK_RETRIABLE_APPLIES_NOTHING)
    // Broken: the offsets are stored before the dead letters are confirmed.
    if (ingest_status status = host.flush_dead_letters(host.context, error); status != INGEST_OK) return status;
#endif
    return INGEST_OK;
}

// ---- the C entry points --------------------------------------------------------------------------

extern "C" {

void* sink_create(const ingest_host* host, ingest_error* error) {
    try {
        auto* sink = new Sink;
        sink->host = host;
        return sink;
    } catch (const std::exception& e) {
        failed(error, INGEST_FATAL, e.what());
        return nullptr;
    }
}

ingest_status sink_start(void* task, const ingest_config* config, ingest_error* error) {
    return guarded(error, [&] {
        Sink& sink = *sink_of(task);
        sink.dir = config_value(config, "dir");
        sink.file_name = config_value(config, "file.name");
        std::filesystem::create_directories(sink.dir);
        const std::string path = (sink.dir / sink.file_name).string();
#if defined(BREAK_CONFIG_SAMPLE_ACCEPTED)
        // Broken: expects the file to exist already, which it never does on a first start.
        sink.out = std::fopen(path.c_str(), "r+");
#else
        sink.out = std::fopen(path.c_str(), "a");
#endif
        if (!sink.out) return failed(error, INGEST_FATAL, "cannot open " + path + ": " + std::strerror(errno));
        sink.running = true;
        return INGEST_OK;
    });
}

ingest_status sink_stop(void* task, ingest_error* error) {
    Sink& sink = *sink_of(task);
#if defined(BREAK_LIFECYCLE_IDEMPOTENT)
    // Broken: a second stop() is an error, although the runner calls it on every error path.
    if (!sink.running) return failed(error, INGEST_FATAL, "stop() of a sink that is not running");
#else
    (void)error;
#endif
    if (sink.out) std::fclose(sink.out);
    sink.out = nullptr;
    sink.running = false;
    return INGEST_OK;
}

void sink_destroy(void* task) {
    Sink* sink = sink_of(task);
    if (sink->out) std::fclose(sink->out);
    delete sink;
}

ingest_status sink_open(void* task, ingest_topic_partition* partitions, size_t count, ingest_error* error) {
    return guarded(error, [&] {
        const Offsets stored = read_offsets(sink_of(task)->offsets_file());
        for (size_t i = 0; i < count; ++i) {
            auto it = stored.find({partitions[i].topic, partitions[i].partition});
            partitions[i].offset = it == stored.end() ? INGEST_OFFSET_NONE : it->second;
        }
        return INGEST_OK;
    });
}

ingest_status sink_put(void* task, const ingest_record* records, size_t count, ingest_error* error) {
#if defined(BREAK_ERRORS_CONTAINED)
    return put_batch(*sink_of(task), records, count, error);
#else
    return guarded(error, [&] { return put_batch(*sink_of(task), records, count, error); });
#endif
}

// Everything put() returned OK for is written: the stored offsets are what the host may commit.
ingest_status sink_pre_commit(void* task, ingest_topic_partition* offsets, size_t count, ingest_error* error) {
    return guarded(error, [&] {
        const Offsets stored = read_offsets(sink_of(task)->offsets_file());
        for (size_t i = 0; i < count; ++i)
            if (auto it = stored.find({offsets[i].topic, offsets[i].partition}); it != stored.end())
                offsets[i].offset = it->second;
        return INGEST_OK;
    });
}

// The sink keeps no state per partition outside its offsets file.
ingest_status sink_close(void*, const ingest_topic_partition*, size_t, ingest_error*) { return INGEST_OK; }

ingest_status sink_list_offsets(void* task, ingest_offset_fn each, void* context, ingest_error* error) {
    return guarded(error, [&] {
        for (const auto& [where, next] : read_offsets(sink_of(task)->offsets_file()))
            each(context, where.first.c_str(), where.second, next);
        return INGEST_OK;
    });
}

ingest_status sink_alter_offsets(void* task, const ingest_topic_partition* offsets, size_t count,
                                        ingest_error* error) {
    return guarded(error, [&] {
        Sink& sink = *sink_of(task);
        Offsets stored = read_offsets(sink.offsets_file());
        for (size_t i = 0; i < count; ++i) {
            const Partition where{offsets[i].topic, offsets[i].partition};
            if (offsets[i].offset == INGEST_OFFSET_NONE)
                stored.erase(where);
            else
                stored[where] = offsets[i].offset;
        }
        write_offsets(sink.offsets_file(), stored);
        return INGEST_OK;
    });
}

// Rules the key table cannot state. Reports every problem, then returns OK.
ingest_status sink_validate(const ingest_config* config, ingest_report_fn report, void* context,
                                   ingest_error* error) {
    return guarded(error, [&] {
        if (!std::filesystem::path(config_value(config, "dir")).is_absolute())
            report(context, "dir", "must be an absolute path: a relative one would depend on the worker's directory");
        const std::string file = config_value(config, "file.name");
        if (file.empty() || file == "." || file == ".." || file.find('/') != std::string::npos || file == "offsets" ||
            file == "offsets.part")
            report(context, "file.name",
                   "must name a file inside dir (no '/'), other than the sink's own 'offsets' and 'offsets.part'");
        return INGEST_OK;
    });
}

}  // extern "C"

const ingest_config_key kKeys[] = {
    {sizeof(ingest_config_key), "dir", INGEST_CONFIG_STRING, nullptr,
     "Directory of the records file and of the stored offsets ('offsets'); created when missing.", 0, 0, 0, 0,
     nullptr},
    {sizeof(ingest_config_key), "file.name", INGEST_CONFIG_STRING, "records.log",
#if defined(BREAK_DESCRIBE_COMPLETE)
     // Broken: a key nobody can look up.
     "",
#else
     "File inside dir that records are appended to, one escaped line each: partition, offset, key, value.",
#endif
     0, 0, 0, 0, nullptr},
};

const ingest_sink_api kSinkApi = {
    sizeof(ingest_sink_api), sink_open, sink_put, sink_pre_commit, sink_close, /*owns_offsets=*/1,
    /*reports_verdict=*/0, sink_list_offsets, sink_alter_offsets};

const ingest_plugin kDescriptor = {
#if defined(BREAK_ABI_VERSION)
    // Broken: claims an ABI major this runner does not speak.
    INGEST_ABI_MAJOR + 1,
#else
    INGEST_ABI_MAJOR,
#endif
    sizeof(ingest_plugin),
    FIXTURE_NAME,
    "1.0.0",
    "A conformance fixture: appends records to a file and stores its offsets beside it.",
    INGEST_KIND_SINK,
    kKeys,
    sizeof kKeys / sizeof kKeys[0],
    sink_create,
    sink_start,
    sink_stop,
    sink_destroy,
    nullptr,
    &kSinkApi,
    INGEST_ABI_MINOR,
    sink_validate,
    nullptr,
    0};

}  // namespace

extern "C" __attribute__((visibility("default"))) const ingest_plugin* ingest_plugin_entry(void) {
    return &kDescriptor;
}
