/* source_lines_c: reads a text file and hands every line to the runner as one record, then ends.
 *
 * Plain C11 against <ingest/plugin_abi.h> alone: the descriptor, the config table and the source
 * API table are static structs, each starting with its struct_size. Nothing here can throw, every
 * allocation is checked, and every fatal problem is kept in the task, so that each later call
 * (poll, commit) reports it again rather than carrying on.
 *
 * Record: value = the line without its "\n" (or "\r\n"), key = its line number as decimal text
 * (key.line_numbers=false: no key). Order is the file's within a partition: give the topic one
 * partition (topic.creation.default.partitions=1) to keep the whole file in order.
 *
 * Delivery: every line is confirmed by the broker before the runner calls commit(); a line the
 * broker finally refuses fails the task, naming the line. The ABI has no source offsets, so a
 * restarted task reads the file from its first line again (at least once). */
#include "line_reader.h"

#include <ingest/plugin_abi.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One poll hands over at most this many lines and returns after about this long, so the runner
 * serves delivery reports and stop requests in between. */
enum { poll_max_lines = 500 };
static const double poll_budget_seconds = 0.1;

/* max.line.bytes: its default and upper bound, in one place for the table and the docs. */
#define MAX_LINE_BYTES_DEFAULT "1048576"
#define MAX_LINE_BYTES_LIMIT 67108864

static const ingest_config_key config_keys[] = {
    {.struct_size = sizeof(ingest_config_key),
     .name = "file",
     .type = INGEST_CONFIG_STRING,
     .default_value = NULL, /* required */
     .documentation = "Text file to read. Each line becomes one record, in file order; the task ends "
                      "(FINISHED) after the last line."},
    {.struct_size = sizeof(ingest_config_key),
     .name = "key.line_numbers",
     .type = INGEST_CONFIG_BOOL,
     .default_value = "true",
     .documentation = "Key each record with its line number as decimal text, counted from 1; false: "
                      "records have no key."},
    {.struct_size = sizeof(ingest_config_key),
     .name = "max.line.bytes",
     .type = INGEST_CONFIG_INT,
     .default_value = MAX_LINE_BYTES_DEFAULT,
     .documentation = "Longest line accepted, in bytes without its line end. A longer line fails the "
                      "task with a message naming the line's number; no line is ever cut.",
     .has_min = 1,
     .min = 1,
     .has_max = 1,
     .max = MAX_LINE_BYTES_LIMIT},
};

enum { metric_lines };
static const ingest_metric_def metrics[] = {
    {.struct_size = sizeof(ingest_metric_def),
     .name = "lines",
     .help = "Lines read from the file and handed to the runner as records.",
     .type = INGEST_METRIC_COUNTER},
};

typedef struct lines_task {
    const ingest_host* host;
    line_reader reader;
    int key_line_numbers;
    int ended;
    uint64_t confirmed;
    /* The first fatal problem (a line too long, a read error, a line the broker refused); empty
     * while there is none. Once set, every poll() and commit() returns it. */
    char failure[INGEST_ERROR_MESSAGE_MAX];
} lines_task;

/* The printf-like helpers let the compiler check their formats (GCC and Clang). */
#define PRINTF_LIKE(format_index) __attribute__((format(printf, format_index, format_index + 1)))

PRINTF_LIKE(3) static void log_message(const lines_task* task, ingest_log_level level, const char* format, ...) {
    char message[INGEST_ERROR_MESSAGE_MAX];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    task->host->log(task->host->context, level, message);
}

/* Keeps the first failure only: it is the cause, what follows is a consequence. */
PRINTF_LIKE(2) static void fail(lines_task* task, const char* format, ...) {
    if (task->failure[0] != '\0') return;
    va_list args;
    va_start(args, format);
    vsnprintf(task->failure, sizeof task->failure, format, args);
    va_end(args);
}

static ingest_status report_failure(const lines_task* task, ingest_error* error) {
    snprintf(error->message, sizeof error->message, "%s", task->failure);
    return INGEST_FATAL;
}

PRINTF_LIKE(2) static ingest_status fatal(ingest_error* error, const char* format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(error->message, sizeof error->message, format, args);
    va_end(args);
    return INGEST_FATAL;
}

/* The host hands start() every declared key, validated and with defaults filled. */
static const char* config_value(const ingest_config* config, const char* key) {
    for (size_t i = 0; i < config->count; ++i)
        if (strcmp(config->entries[i].key, key) == 0) return config->entries[i].value;
    return NULL;
}

static double seconds_now(void) {
    struct timespec now;
    if (timespec_get(&now, TIME_UTC) != TIME_UTC) return 0.0;
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static void* task_create(const ingest_host* host, ingest_error* error) {
    lines_task* task = calloc(1, sizeof *task);
    if (!task) {
        fatal(error, "out of memory creating a source_lines_c task");
        return NULL;
    }
    task->host = host;
    return task;
}

static ingest_status task_start(void* handle, const ingest_config* config, ingest_error* error) {
    lines_task* task = handle;
    const char* file = config_value(config, "file");
    const char* key_line_numbers = config_value(config, "key.line_numbers");
    const char* max_line_bytes = config_value(config, "max.line.bytes");
    if (!file || !key_line_numbers || !max_line_bytes)
        return fatal(error, "the config lacks 'file', 'key.line_numbers' or 'max.line.bytes' "
                            "(the runner fills every declared key)");
    /* Each task would read the whole file: more than one would send every line more than once. */
    if (task->host->task_count > 1)
        return fatal(error, "source_lines_c reads one file: run it with tasks.max=1 (got %" PRId32 ")",
                     task->host->task_count);

    if (strcmp(key_line_numbers, "true") != 0 && strcmp(key_line_numbers, "false") != 0)
        return fatal(error, "key 'key.line_numbers': '%s' is not true or false", key_line_numbers);
    char* end = NULL;
    errno = 0;
    const long long max_bytes = strtoll(max_line_bytes, &end, 10);
    if (errno != 0 || end == max_line_bytes || *end != '\0' || max_bytes < 1 || max_bytes > MAX_LINE_BYTES_LIMIT)
        return fatal(error, "key 'max.line.bytes': '%s' is not an integer in [1, %d]", max_line_bytes,
                     MAX_LINE_BYTES_LIMIT);

    line_reader_close(&task->reader); /* a second start() reads from the top again */
    task->key_line_numbers = strcmp(key_line_numbers, "true") == 0;
    task->ended = 0;
    task->confirmed = 0;
    task->failure[0] = '\0';
    const int open_errno = line_reader_open(&task->reader, file, (size_t)max_bytes);
    if (open_errno != 0) return fatal(error, "cannot open '%s': %s", file, strerror(open_errno));
    log_message(task, INGEST_LOG_INFO, "reading '%s'", file);
    return INGEST_OK;
}

static void emit_line(const lines_task* task, ingest_emit_fn emit, void* emit_context) {
    char key[24]; /* a uint64_t in decimal: at most 20 digits */
    ingest_source_record record = {
        .topic = NULL, /* the connector's `topic` */
        .partition = INGEST_PARTITION_ANY,
        .value = {task->reader.line, task->reader.length},
        .correlation = task->reader.number,
    };
    if (task->key_line_numbers) {
        const int length = snprintf(key, sizeof key, "%" PRIu64, task->reader.number);
        record.key = (ingest_bytes){key, (size_t)length};
    }
    /* The runner copies key and value before emit() returns: the buffers are ours again after. */
    emit(emit_context, &record);
}

static ingest_status task_poll(void* handle, ingest_emit_fn emit, void* emit_context, ingest_error* error) {
    lines_task* task = handle;
    if (task->failure[0] != '\0') return report_failure(task, error);
    if (task->ended) return INGEST_END;
    if (!task->reader.file) return fatal(error, "poll() before start() or after stop()");

    const double deadline = seconds_now() + poll_budget_seconds;
    int lines = 0;
    ingest_status status = INGEST_OK;
    while (status == INGEST_OK && lines < poll_max_lines && seconds_now() < deadline) {
        switch (line_reader_next(&task->reader)) {
            case LINE_READ_LINE:
                emit_line(task, emit, emit_context);
                ++lines;
                break;
            case LINE_READ_END:
                task->ended = 1;
                log_message(task, INGEST_LOG_INFO, "end of file after %" PRIu64 " lines", task->reader.number);
                status = INGEST_END;
                break;
            case LINE_READ_TOO_LONG:
                fail(task, "line %" PRIu64 " is longer than max.line.bytes (%zu bytes); raise max.line.bytes "
                     "to read it (no line is cut)", task->reader.number, task->reader.max_bytes);
                status = report_failure(task, error);
                break;
            case LINE_READ_NO_MEMORY:
                fail(task, "out of memory reading line %" PRIu64, task->reader.number + 1);
                status = report_failure(task, error);
                break;
            case LINE_READ_ERROR:
                fail(task, "cannot read line %" PRIu64 ": %s", task->reader.number + 1,
                     strerror(task->reader.read_errno));
                status = report_failure(task, error);
                break;
        }
    }
    const ingest_host* host = task->host;
    if (lines > 0 && INGEST_STRUCT_HAS(host, ingest_host, metric_add) && host->metric_add)
        host->metric_add(host->context, metric_lines, (double)lines);
    return status;
}

static void task_record_delivered(void* handle, uint64_t correlation, int32_t partition, int64_t offset,
                                  const char* error) {
    lines_task* task = handle;
    (void)partition, (void)offset;
    if (error)
        fail(task, "line %" PRIu64 " was not delivered: %s", correlation, error);
    else
        ++task->confirmed;
}

static ingest_status task_commit(void* handle, ingest_error* error) {
    lines_task* task = handle;
    if (task->failure[0] != '\0') return report_failure(task, error);
    log_message(task, INGEST_LOG_DEBUG, "%" PRIu64 " lines confirmed by the broker", task->confirmed);
    return INGEST_OK;
}

static ingest_status task_stop(void* handle, ingest_error* error) {
    (void)error;
    lines_task* task = handle;
    line_reader_close(&task->reader);
    return INGEST_OK;
}

static void task_destroy(void* handle) {
    lines_task* task = handle;
    if (!task) return;
    line_reader_close(&task->reader);
    free(task);
}

static const ingest_source_api source_api = {
    .struct_size = sizeof(ingest_source_api),
    .poll = task_poll,
    .record_delivered = task_record_delivered,
    .commit = task_commit,
};

static const ingest_plugin descriptor = {
    .abi_version = INGEST_ABI_MAJOR,
    .struct_size = sizeof(ingest_plugin),
    .name = "source_lines_c",
    .version = "1.0.0",
    .description = "Reads a text file and hands over each line as one record (key: its line number), then ends.",
    .kind = INGEST_KIND_SOURCE,
    .config_keys = config_keys,
    .config_key_count = sizeof config_keys / sizeof config_keys[0],
    .create = task_create,
    .start = task_start,
    .stop = task_stop,
    .destroy = task_destroy,
    .source = &source_api,
    .sink = NULL,
    .abi_minor = INGEST_ABI_MINOR,
    .validate = NULL, /* no rule spans several keys; each key's own checks are in the table */
    .metrics = metrics,
    .metric_count = sizeof metrics / sizeof metrics[0],
};

/* The one exported symbol (INGEST_PLUGIN_ENTRY_SYMBOL); everything else is hidden by the build. */
__attribute__((visibility("default"))) const ingest_plugin* ingest_plugin_entry(void) { return &descriptor; }
