/*
 * The plugin boundary: the only contract between the `ingest` runner and a plugin shared object.
 *
 * Plain C on purpose. Nothing that crosses it is a C++ object, an exception or a standard-library
 * type: plugins built with another compiler, another standard library or a later release of this
 * SDK must either keep loading or be refused with a clear message.
 *
 * A plugin exports one symbol, INGEST_PLUGIN_ENTRY_SYMBOL, a function returning a pointer to a static
 * `ingest_plugin` descriptor.
 *
 * Versions. `abi_version` holds the major version: the host refuses a plugin whose major differs
 * from its own. Within a major, the ABI grows by minor versions, and only by appending fields at the
 * end of a struct. Every struct that crosses the boundary (the descriptor, the source and sink API
 * tables, the config key rows, the host's services) starts with `struct_size`, the size of that
 * struct as its writer compiled it. A reader uses a field only when the writer's `struct_size`
 * covers it (INGEST_STRUCT_HAS) and reads a field it does not get as zero, so a zero always means
 * "not provided". Hence a plugin built against an older minor keeps loading in a newer host, and a
 * plugin calls a host service only when the host that runs it has it.
 *   1.0  the first release. Its API tables and config key rows had no `struct_size`; the host still
 *        reads them in their 1.0 layout (a descriptor too small to hold `abi_minor` is a 1.0 one).
 *   1.1  `struct_size` on every table; descriptor: `abi_minor`, `validate`; host: `stopping`.
 *   1.2  descriptor: `metrics`, `metric_count` (the plugin's own metrics, one table of
 *        `ingest_metric_def` rows); host: `metric_add`, `metric_set` (record them by row index).
 *   1.3  sink table: `list_offsets`, `alter_offsets` (the offsets a sink stores itself, for the
 *        REST API's KIP-875 offsets endpoints).
 *   1.4  host: `dead_letter_with_headers` (a dead letter carrying headers of the plugin's own, e.g.
 *        the SQLSTATE with which a database refused the record).
 *   1.5  host: `partition_count` (a source that places its records on partitions itself).
 *
 * Ownership: every pointer handed across the boundary stays valid only for the duration of the call,
 * unless the field's comment says otherwise. A task object (`void* task`) is created and destroyed by
 * the plugin; the host keeps the library loaded while any task of it is alive.
 *
 * Threads: each task is driven by one host thread at a time. Different tasks of the same plugin may
 * run on different threads concurrently, so plugins keep per-task state in the task object.
 *
 * Errors: every fallible call returns an `ingest_status` and fills the host-owned `ingest_error`.
 * RETRIABLE asks the host to call again later; FATAL fails the task visibly (status, log).
 */
#ifndef INGEST_PLUGIN_ABI_H
#define INGEST_PLUGIN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The major version: bumped on every incompatible change of any struct or function below. */
#define INGEST_ABI_MAJOR 1u
/* The minor version: bumped when fields are appended (see the version history above). */
#define INGEST_ABI_MINOR 5u
#define INGEST_PLUGIN_ENTRY_SYMBOL "ingest_plugin_entry"

/* Nonzero when the struct behind `ptr`, as its writer compiled it, holds `field` of `type`. */
#define INGEST_STRUCT_HAS(ptr, type, field) \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

typedef enum ingest_status {
    INGEST_OK = 0,
    INGEST_RETRIABLE = 1, /* transient: the host retries the same call later */
    INGEST_FATAL = 2,     /* the task fails; the host reports it and stops the task */
    INGEST_END = 3        /* source poll only: the stream is complete, no more records */
} ingest_status;

#define INGEST_ERROR_MESSAGE_MAX 1024

/* Host-owned error slot; the plugin writes a NUL-terminated message into it. */
typedef struct ingest_error {
    char message[INGEST_ERROR_MESSAGE_MAX];
} ingest_error;

/* A borrowed byte range. data == NULL means "absent" (a null key or a tombstone value). */
typedef struct ingest_bytes {
    const char* data;
    size_t size;
} ingest_bytes;

typedef struct ingest_header {
    const char* key; /* NUL-terminated */
    ingest_bytes value;
} ingest_header;

/* A record as a sink sees it: a view into the consumer's message, valid during put(). */
typedef struct ingest_record {
    const char* topic; /* NUL-terminated */
    int32_t partition;
    int64_t offset;
    int64_t timestamp_ms; /* -1 when the broker gave none */
    ingest_bytes key;
    ingest_bytes value; /* value.data == NULL: tombstone */
    const ingest_header* headers;
    size_t header_count;
} ingest_record;

/* A record as a source hands it over. The host copies key, value and headers before emit returns. */
typedef struct ingest_source_record {
    const char* topic;  /* NULL: the connector's configured `topic` */
    int32_t partition;  /* INGEST_PARTITION_ANY: partitioned by key */
    ingest_bytes key;
    ingest_bytes value; /* value.data == NULL: tombstone */
    const ingest_header* headers;
    size_t header_count;
    uint64_t correlation; /* the plugin's own id, echoed back in record_delivered() */
} ingest_source_record;

#define INGEST_PARTITION_ANY (-1)
#define INGEST_OFFSET_NONE (-1) /* "no stored offset: start from the consumer's reset policy" */

typedef struct ingest_topic_partition {
    const char* topic; /* NUL-terminated */
    int32_t partition;
    int64_t offset; /* next offset to consume, or INGEST_OFFSET_NONE */
} ingest_topic_partition;

/* Receives one stored offset (list_offsets): `offset` is the next offset to consume. */
typedef void (*ingest_offset_fn)(void* offset_context, const char* topic, int32_t partition, int64_t offset);

/* ---------------------------------------------------------------------------------------------
 * Configuration: each plugin declares every key it accepts in one table. The host validates the
 * connector's config against it (all problems at once, unknown keys rejected), fills defaults, and
 * hands the task the complete, validated set as strings.
 * ------------------------------------------------------------------------------------------- */

typedef enum ingest_config_type {
    INGEST_CONFIG_STRING = 0,
    INGEST_CONFIG_INT = 1,    /* 64-bit signed integer */
    INGEST_CONFIG_DOUBLE = 2,
    INGEST_CONFIG_BOOL = 3,   /* "true" or "false" */
    INGEST_CONFIG_PASSWORD = 4 /* a string the host masks in logs, status and errors */
} ingest_config_type;

typedef struct ingest_config_key {
    uint32_t struct_size; /* the same in every row of one table: it is the table's stride */
    const char* name;
    ingest_config_type type;
    const char* default_value; /* NULL: required */
    const char* documentation;
    int has_min; /* INT and DOUBLE: inclusive bounds when set */
    double min;
    int has_max;
    double max;
    const char* const* allowed_values; /* STRING: NULL-terminated list, or NULL for any value */
} ingest_config_key;

typedef struct ingest_config_entry {
    const char* key;
    const char* value;
} ingest_config_entry;

typedef struct ingest_config {
    const ingest_config_entry* entries;
    size_t count;
} ingest_config;

/* ---------------------------------------------------------------------------------------------
 * Metrics (1.2): each plugin declares the metrics it records in one table, as it declares its config
 * keys. The host exposes row `name` of plugin `p` as the Prometheus series `ingest_plugin_<p>_<name>`
 * (counters with the suffix `_total`) labelled with the task's `connector` and `task`, lists them in
 * its generated docs, and records them through ingest_host.metric_add / metric_set by row index.
 * ------------------------------------------------------------------------------------------- */

typedef enum ingest_metric_type {
    INGEST_METRIC_COUNTER = 0, /* only ever grows: metric_add with a delta >= 0 */
    INGEST_METRIC_GAUGE = 1    /* goes up and down: metric_set, or metric_add with any delta */
} ingest_metric_type;

typedef struct ingest_metric_def {
    uint32_t struct_size; /* the same in every row of one table: it is the table's stride */
    const char* name;     /* [a-z_][a-z0-9_]*, unique in the table; without `_total` */
    const char* help;     /* one line: what is counted, and when */
    ingest_metric_type type;
} ingest_metric_def;

/* ---------------------------------------------------------------------------------------------
 * What the host offers a task. Valid from create() until destroy().
 * ------------------------------------------------------------------------------------------- */

typedef enum ingest_log_level {
    INGEST_LOG_TRACE = 0,
    INGEST_LOG_DEBUG = 1,
    INGEST_LOG_INFO = 2,
    INGEST_LOG_WARN = 3,
    INGEST_LOG_ERROR = 4
} ingest_log_level;

typedef struct ingest_host {
    uint32_t abi_version;
    uint32_t struct_size;
    void* context;                 /* pass back as the first argument of every callback */
    const char* connector_name;    /* NUL-terminated */
    int32_t task_id;               /* 0 .. task_count-1 */
    int32_t task_count;            /* the connector's tasks.max: how many tasks share its work */

    void (*log)(void* context, ingest_log_level level, const char* message);

    /* Sinks: queue a record the task cannot process for the dead-letter topic (`<topic>.dlq`),
     * with headers naming `reason` and the original topic/partition/offset. The host copies the
     * record; it is sent asynchronously. */
    ingest_status (*dead_letter)(void* context, const ingest_record* record, const char* reason,
                                 ingest_error* error);

    /* Sinks: blocks until every record queued with dead_letter() is confirmed by the broker, or
     * fails (RETRIABLE). A sink that commits its own offsets calls this before that commit, so a
     * crash can never lose a dead letter. The host also flushes after every put(). */
    ingest_status (*flush_dead_letters)(void* context, ingest_error* error);

    /* The low and high (next to be written) offsets of a partition as the broker reports them. */
    ingest_status (*watermarks)(void* context, const char* topic, int32_t partition, int64_t* low,
                                int64_t* high, ingest_error* error);

    /* A task that judges something (a validator, see ingest_sink_api.reports_verdict) reports its
     * outcome once: ok != 0 passes. The summary appears in the connector's status and the log. */
    void (*report_verdict)(void* context, int ok, const char* summary);

    /* 1.1. Nonzero once the host wants this task to stop. A plugin that waits inside a call
     * (retries, backoff) checks it and returns early (RETRIABLE) so that shutdown stays prompt. */
    int (*stopping)(void* context);

    /* 1.2. Record the plugin's own metrics: `index` is a row of the descriptor's `metrics` table.
     * Lock-free and cheap, but still meant per batch rather than per record. Calls with an index
     * out of range, a negative delta on a counter or a set on a counter are ignored. */
    void (*metric_add)(void* context, uint32_t index, double delta);
    void (*metric_set)(void* context, uint32_t index, double value);

    /* 1.4. Sinks: dead_letter() with `extra_count` headers of the plugin's own, added to the
     * dead-letter record after the host's (which name `reason` and the original topic, partition
     * and offset). Keys starting with "__connect." are the host's (Kafka Connect's names): a call
     * with such a key, or a NULL key, is refused (FATAL) and queues nothing. The host copies
     * everything before it returns. A plugin calls this only when the host's struct has it, and
     * otherwise dead_letter() (the C++ SDK's Host::dead_letter does so). */
    ingest_status (*dead_letter_with_headers)(void* context, const ingest_record* record, const char* reason,
                                              const ingest_header* extra, size_t extra_count, ingest_error* error);

    /* 1.5. Sources: the number of partitions of `topic` (NULL: the connector's `topic`) as the
     * broker reports it, for a source that sets ingest_source_record.partition itself. Returns -1
     * and fills `error` when the topic does not exist or the broker cannot be asked. */
    int32_t (*partition_count)(void* context, const char* topic, ingest_error* error);
} ingest_host;

/* ---------------------------------------------------------------------------------------------
 * Lifecycles, as in Kafka Connect.
 *   source: create → start → (poll, record_delivered*)* → commit → stop → destroy
 *   sink:   create → start → (open → put* → pre_commit* → close)* → stop → destroy
 * ------------------------------------------------------------------------------------------- */

typedef void (*ingest_emit_fn)(void* emit_context, const ingest_source_record* record);

typedef struct ingest_source_api {
    uint32_t struct_size;

    /* Hand over records by calling emit() zero or more times; return INGEST_END once the stream
     * is complete. Should return within about 100 ms so the host can serve delivery reports. */
    ingest_status (*poll)(void* task, ingest_emit_fn emit, void* emit_context, ingest_error* error);

    /* The broker confirmed (error == NULL) or finally refused (error set) one record. Called on
     * the task's thread, between polls. It cannot fail: a plugin that cannot record a delivery
     * keeps the problem and returns it from its next poll() or commit() (the C++ SDK does so). */
    void (*record_delivered)(void* task, uint64_t correlation, int32_t partition, int64_t offset,
                             const char* error);

    /* Every record emitted so far has been confirmed or refused; persist progress. */
    ingest_status (*commit)(void* task, ingest_error* error);
} ingest_source_api;

typedef struct ingest_sink_api {
    uint32_t struct_size;

    /* Partitions assigned to this task. A sink that owns its offsets writes the stored next offset
     * into each element's `offset` (or leaves INGEST_OFFSET_NONE); the host seeks there. */
    ingest_status (*open)(void* task, ingest_topic_partition* partitions, size_t count,
                          ingest_error* error);

    /* A batch in Kafka order per partition. Returning RETRIABLE makes the host redeliver the
     * same batch later; the sink must not have applied any of it. */
    ingest_status (*put)(void* task, const ingest_record* records, size_t count,
                         ingest_error* error);

    /* The host is about to commit `offsets` (next offsets after the last put) to Kafka. The sink
     * flushes and may lower each offset to what it has durably written. */
    ingest_status (*pre_commit)(void* task, ingest_topic_partition* offsets, size_t count,
                                ingest_error* error);

    /* The partitions are revoked; the sink drops any state about them. */
    ingest_status (*close)(void* task, const ingest_topic_partition* partitions, size_t count,
                           ingest_error* error);

    /* Nonzero: the sink stores its offsets itself (in the same transaction as its writes); the host
     * then never commits offsets to Kafka on its behalf for correctness, only for monitoring. */
    int owns_offsets;
    /* Nonzero: each task eventually calls host->report_verdict (a validator); `ingest run
     * --until-done` waits for it. */
    int reports_verdict;

    /* 1.3, sinks that own their offsets (both or neither). The operator reads and changes the
     * offsets the sink stores (Kafka Connect's KIP-875) only while the connector is STOPPED, on a
     * task of its own: create → start → list_offsets and/or alter_offsets → stop → destroy, never
     * open or put, while no other task of the connector runs.
     * list_offsets calls each() once per stored partition of this connector.
     * alter_offsets applies all changes in one transaction, or none: an element's `offset` becomes
     * the partition's stored next offset; INGEST_OFFSET_NONE forgets it (the next assignment starts
     * the partition from the beginning). Partitions not named keep theirs. */
    ingest_status (*list_offsets)(void* task, ingest_offset_fn each, void* offset_context, ingest_error* error);
    ingest_status (*alter_offsets)(void* task, const ingest_topic_partition* offsets, size_t count,
                                   ingest_error* error);
} ingest_sink_api;

/* Receives one problem of a config: the key it is about (NULL: the config as a whole) and why. */
typedef void (*ingest_report_fn)(void* report_context, const char* key, const char* message);

typedef enum ingest_plugin_kind { INGEST_KIND_SOURCE = 0, INGEST_KIND_SINK = 1 } ingest_plugin_kind;

typedef struct ingest_plugin {
    uint32_t abi_version; /* INGEST_ABI_MAJOR the plugin was built against */
    uint32_t struct_size; /* sizeof(ingest_plugin) the plugin was built with */

    const char* name;     /* e.g. "sink_postgres"; what connector configs name in `plugin` */
    const char* version;
    const char* description;
    ingest_plugin_kind kind;

    const ingest_config_key* config_keys;
    size_t config_key_count;

    /* Creates a task; returns NULL and fills `error` on failure. */
    void* (*create)(const ingest_host* host, ingest_error* error);
    ingest_status (*start)(void* task, const ingest_config* config, ingest_error* error);
    ingest_status (*stop)(void* task, ingest_error* error);
    void (*destroy)(void* task);

    const ingest_source_api* source; /* set when kind == SOURCE */
    const ingest_sink_api* sink;     /* set when kind == SINK */

    /* 1.1 */
    uint32_t abi_minor; /* INGEST_ABI_MINOR the plugin was built against */
    /* Optional. Checks rules that span several keys, on a config that already passed every key's
     * own checks (types, bounds, allowed values; defaults filled). Calls report() once per problem,
     * so that the operator sees all of them at once, and returns OK; FATAL only when it could not
     * check at all. Called before any task starts, and by `ingest connectors validate`. */
    ingest_status (*validate)(const ingest_config* config, ingest_report_fn report, void* report_context,
                              ingest_error* error);

    /* 1.2. The metrics this plugin records (see ingest_metric_def); NULL/0: none. */
    const ingest_metric_def* metrics;
    size_t metric_count;
} ingest_plugin;

typedef const ingest_plugin* (*ingest_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* INGEST_PLUGIN_ABI_H */
