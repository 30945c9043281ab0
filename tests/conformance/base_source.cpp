// A small source against the raw C ABI (plugin_abi.h alone) that keeps every conformance rule, and,
// built with -DBREAK_<RULE>, a variant that breaks exactly that rule (CMakeLists.txt lists them).
//
// It emits a bounded stream: `records` records keyed `<key.prefix><n>`, each value `value.bytes`
// long, at most kBatch per poll(), then END. A record the broker refuses is never forgotten: the
// next poll() and commit() fail with the broker's reason. C++ on the inside; every entry point
// catches what it throws and returns FATAL with the message.
#include "fixture_calls.hpp"

#include <ingest/plugin_abi.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <thread>

#ifndef FIXTURE_NAME
#define FIXTURE_NAME "conformance_source"
#endif

namespace {

constexpr int64_t kBatch = 10;
// records × value.bytes at most: a fixture stream stays small.
constexpr int64_t kMaxStreamBytes = 16 * 1024 * 1024;

struct Source {
    const ingest_host* host = nullptr;
    int64_t records = 0;
    int64_t value_bytes = 0;
    std::string key_prefix;
    int64_t next = 0;       // the next record to emit
    int64_t confirmed = 0;  // how many the broker confirmed
    std::string refusal;    // the first refusal, until the task fails with it
    char* scratch = nullptr;  // a value is built here
    bool running = false;
#if defined(BREAK_LIFECYCLE_PROMPT_STOP)
    bool lingered = false;
#endif
};

Source* source_of(void* task) { return static_cast<Source*>(task); }


bool host_stopping(const ingest_host* host) {
    return INGEST_STRUCT_HAS(host, ingest_host, stopping) && host->stopping && host->stopping(host->context);
}

ingest_status poll_batch(Source& source, ingest_emit_fn emit, void* context, ingest_error* error) {
    if (!source.running) return failed(error, INGEST_FATAL, "poll() before start()");
    if (!source.refusal.empty()) return failed(error, INGEST_FATAL, source.refusal);
#if defined(BREAK_LIFECYCLE_PROMPT_STOP)
    // Broken: once the host asks to stop, the first poll() lingers 3 s "to let the broker settle"
    // instead of returning.
    if (host_stopping(source.host) && !source.lingered) {
        source.lingered = true;
        std::this_thread::sleep_for(std::chrono::seconds(3));
    }
#endif
    if (host_stopping(source.host)) return INGEST_OK;
    if (source.next >= source.records) return INGEST_END;
    for (int64_t n = 0; n < kBatch && source.next < source.records; ++n, ++source.next) {
        const std::string key = source.key_prefix + std::to_string(source.next);
        const int written = std::snprintf(source.scratch, static_cast<size_t>(source.value_bytes) + 1,
                                          "{\"n\":%lld}", static_cast<long long>(source.next));
        for (int64_t i = written; i < source.value_bytes; ++i) source.scratch[i] = ' ';
        ingest_source_record record{};
        record.partition = INGEST_PARTITION_ANY;
        record.key = {key.data(), key.size()};
        record.value = {source.scratch, static_cast<size_t>(source.value_bytes)};
        record.correlation = static_cast<uint64_t>(source.next);
        emit(context, &record);
    }
    return INGEST_OK;
}

extern "C" {

void* source_create(const ingest_host* host, ingest_error* error) {
    try {
        auto* source = new Source;
        source->host = host;
        return source;
    } catch (const std::exception& e) {
        failed(error, INGEST_FATAL, e.what());
        return nullptr;
    }
}

ingest_status source_start(void* task, const ingest_config* config, ingest_error* error) {
    return guarded(error, [&] {
        Source& source = *source_of(task);
        source.records = std::strtoll(config_value(config, "records"), nullptr, 10);
        source.value_bytes = std::strtoll(config_value(config, "value.bytes"), nullptr, 10);
        source.key_prefix = config_value(config, "key.prefix");
        source.next = source.confirmed = 0;
        source.refusal.clear();
        std::free(source.scratch);
        source.scratch = static_cast<char*>(std::malloc(static_cast<size_t>(source.value_bytes) + 1));
        if (!source.scratch) return failed(error, INGEST_FATAL, "out of memory");
        source.running = true;
        return INGEST_OK;
    });
}

ingest_status source_stop(void* task, ingest_error*) {
    source_of(task)->running = false;
    return INGEST_OK;
}

void source_destroy(void* task) {
    Source* source = source_of(task);
#if !defined(BREAK_MEMORY_NO_LEAKS)
    std::free(source->scratch);
#endif
    // Broken without the free above: the value buffer outlives its task.
    delete source;
}

ingest_status source_poll(void* task, ingest_emit_fn emit, void* context, ingest_error* error) {
    return guarded(error, [&] { return poll_batch(*source_of(task), emit, context, error); });
}

void source_record_delivered(void* task, uint64_t correlation, int32_t, int64_t, const char* error) {
    Source& source = *source_of(task);
    if (!error) {
        ++source.confirmed;
        return;
    }
#if defined(BREAK_SOURCE_DELIVERY_FAILURE)
    // Broken: the refused record is dropped without a word.
    (void)correlation;
#else
    if (source.refusal.empty()) {
        try {
            source.refusal = "record " + std::to_string(correlation) + " was refused by the broker: " + error;
        } catch (...) {
            source.refusal = "a record was refused by the broker";
        }
    }
#endif
}

ingest_status source_commit(void* task, ingest_error* error) {
    const Source& source = *source_of(task);
    if (!source.refusal.empty()) return failed(error, INGEST_FATAL, source.refusal);
    return INGEST_OK;
}

// Rules the key table cannot state. Reports every problem, then returns OK.
ingest_status source_validate(const ingest_config* config, ingest_report_fn report, void* context,
                              ingest_error* error) {
    return guarded(error, [&] {
        if (!*config_value(config, "key.prefix"))
            report(context, "key.prefix", "must not be empty: another stream's keys would be the same numbers");
#if defined(BREAK_CONFIG_ERRORS_AT_ONCE)
        // Broken: stops at the first problem.
        else
#endif
        if (std::strtoll(config_value(config, "records"), nullptr, 10) *
                std::strtoll(config_value(config, "value.bytes"), nullptr, 10) >
            kMaxStreamBytes)
            report(context, "records", "records × value.bytes must be at most 16 MiB");
        return INGEST_OK;
    });
}

}  // extern "C"

const ingest_config_key kKeys[] = {
    {sizeof(ingest_config_key), "records", INGEST_CONFIG_INT, "25", "How many records the stream holds.", 1, 1, 1,
     1000000, nullptr},
    {sizeof(ingest_config_key), "value.bytes", INGEST_CONFIG_INT, "32",
     "Length of every value: a JSON object, padded with spaces.", 1, 16, 1, 1048576, nullptr},
    {sizeof(ingest_config_key), "key.prefix", INGEST_CONFIG_STRING, "key-",
     "Keys are this prefix and the record's number.", 0, 0, 0, 0, nullptr},
};

const ingest_source_api kSourceApi = {sizeof(ingest_source_api), source_poll, source_record_delivered,
                                      source_commit};

const ingest_plugin kDescriptor = {
    INGEST_ABI_MAJOR,
#if defined(BREAK_ABI_STRUCT_SIZES)
    // Broken: says it is of this runner's minor, but its descriptor has 1.1's size (built with a
    // header of 1.1 and the minor number of another).
    offsetof(ingest_plugin, metrics),
#else
    sizeof(ingest_plugin),
#endif
    FIXTURE_NAME,
    "1.0.0",
    "A conformance fixture: a bounded stream of numbered records.",
    INGEST_KIND_SOURCE,
    kKeys,
    sizeof kKeys / sizeof kKeys[0],
    source_create,
    source_start,
    source_stop,
    source_destroy,
    &kSourceApi,
    nullptr,
    INGEST_ABI_MINOR,
    source_validate,
    nullptr,
    0};

}  // namespace

extern "C" __attribute__((visibility("default"))) const ingest_plugin* ingest_plugin_entry(void) {
    return &kDescriptor;
}
