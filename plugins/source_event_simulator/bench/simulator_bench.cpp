// Records per second of the simulator without a broker: the generator core alone, and the whole
// task (generate, hold in flight, hand over, settle the delivery report, write the audit line).
// items_per_second is records/s; the goal is at least 300k on one core.
#include "config.hpp"
#include "generator.hpp"
#include "shared/user_events/json_string.hpp"
#include "simulator_task.hpp"

#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <vector>

namespace {

using namespace ingest::plugins::source_event_simulator;
using ingest::plugins::shared::user_events::json_string_capacity;
using ingest::plugins::shared::user_events::write_json_string;

SimulatorConfig demo_config() {
    SimulatorConfig config = default_config();
    config.events = 0;
    return config;
}

void BM_GeneratorDemoRates(benchmark::State& state) {
    Generator generator(demo_config());
    size_t bytes = 0;
    for (auto _ : state) {
        const GeneratedRecord& record = generator.next();
        bytes += record.key.size() + (record.value ? record.value->size() : 0);
        benchmark::DoNotOptimize(record);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_GeneratorDemoRates);

void BM_GeneratorCreatesOnly(benchmark::State& state) {
    SimulatorConfig config = default_config();
    config.events = 0;
    config.late_rate = config.duplicate_rate = config.correction_rate = 0;
    config.invalidation_rate = config.deletion_rate = config.malformed_rate = 0;
    Generator generator(config);
    for (auto _ : state) benchmark::DoNotOptimize(generator.next());
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GeneratorCreatesOnly);

// The audit log's hot step: one record value (a quote every ~10 bytes) as a JSON string.
void BM_EscapeRecordValue(benchmark::State& state) {
    Generator generator(demo_config());
    std::vector<std::string> values;
    while (values.size() < 1024) {
        const GeneratedRecord& record = generator.next();
        if (record.value) values.emplace_back(*record.value);
    }
    std::vector<char> out(json_string_capacity(1024));
    size_t index = 0, bytes = 0;
    for (auto _ : state) {
        const std::string& value = values[index++ % values.size()];
        benchmark::DoNotOptimize(write_json_string(out.data(), value));
        bytes += value.size();
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_EscapeRecordValue);

// A stand-in host: copies each record as the runner does, and reports every record delivered
// after each poll, at made-up offsets.
struct FakeHost {
    ingest_host raw{};
    std::vector<uint64_t> correlations;
    std::vector<char> copy;

    FakeHost() {
        raw.abi_version = INGEST_ABI_MAJOR;
        raw.struct_size = sizeof(ingest_host);
        raw.context = this;
        raw.connector_name = "bench";
        raw.task_id = 0;
        raw.task_count = 1;
        raw.log = [](void*, ingest_log_level, const char*) {};
        copy.resize(1024);
    }
    static void emit(void* context, const ingest_source_record* record) {
        auto* self = static_cast<FakeHost*>(context);
        std::memcpy(self->copy.data(), record->key.data, record->key.size);
        if (record->value.data)
            std::memcpy(self->copy.data(), record->value.data, record->value.size);
        self->correlations.push_back(record->correlation);
    }
};

// Arg 0: the audit log is a file in the temp directory (includes the kernel's page-cache copy);
// arg 1: it is /dev/null (the simulator's own CPU only, steadier numbers).
void BM_TaskPollDeliverAudit(benchmark::State& state) {
    const bool to_null = state.range(0) == 1;
    const std::string audit = to_null ? std::string("/dev/null")
                                      : (std::filesystem::temp_directory_path() /
                                         ("simulator-bench-" + std::to_string(::getpid()) + ".jsonl"))
                                            .string();
    SimulatorConfig config = demo_config();
    config.progress_interval_ms = 0;
    config.audit_log = audit;
    FakeHost host;
    SimulatorTask task;
    task.attach(ingest::sdk::Host(&host.raw));
    task.start_with(config);
    ingest::sdk::Emitter emitter(&FakeHost::emit, &host);
    int64_t offset = 0;
    uint64_t records = 0;
    for (auto _ : state) {
        host.correlations.clear();
        task.poll(emitter);
        for (uint64_t correlation : host.correlations)
            task.on_delivered(correlation, static_cast<int32_t>(correlation % 6), offset++, {});
        records += host.correlations.size();
    }
    state.SetItemsProcessed(static_cast<int64_t>(records));
    task.stop();
    if (!to_null) std::filesystem::remove(audit);
}
BENCHMARK(BM_TaskPollDeliverAudit)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
