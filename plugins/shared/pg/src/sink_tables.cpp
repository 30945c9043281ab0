#include "shared/pg/sink_tables.hpp"

#include "shared/pg/identifier.hpp"

namespace ingest::plugins::shared::pg {
namespace {

std::string column_definitions(std::span<const Column> columns) {
    std::string text;
    for (const Column& column : columns) {
        if (!text.empty()) text += ", ";
        text += std::string(column.name) + " " + std::string(column.type) + " NOT NULL";
        if (!column.default_sql.empty()) text += " DEFAULT " + std::string(column.default_sql);
    }
    return text;
}

}  // namespace

std::string column_list(std::span<const Column> columns, size_t count) {
    std::string text;
    for (size_t i = 0; i < columns.size() && i < count; ++i) {
        if (i > 0) text += ", ";
        text += columns[i].name;
    }
    return text;
}

std::string cast_column_list(std::span<const Column> columns, size_t count) {
    std::string text;
    for (size_t i = 0; i < columns.size() && i < count; ++i) {
        if (i > 0) text += ", ";
        text += std::string(columns[i].name) + "::" + std::string(columns[i].type);
    }
    return text;
}

QuotedTables::QuotedTables(PGconn* conn, const TableNames& table_names)
    : names(table_names),
      schema(quote_identifier(conn, table_names.schema)),
      events(qualified_name(conn, table_names.schema, table_names.events)),
      deletions(qualified_name(conn, table_names.schema, table_names.deletions)),
      offsets(qualified_name(conn, table_names.schema, table_names.offsets)),
      // Only daily partitioning has a keys table; its derived name must not be checked otherwise.
      keys(table_names.partitioning == Partitioning::Daily
               ? qualified_name(conn, table_names.schema, table_names.keys_table())
               : std::string()) {}

std::string events_table_ddl(const QuotedTables& t) {
    const bool daily = t.names.partitioning == Partitioning::Daily;
    return "CREATE TABLE " + t.events + " (" + column_definitions(kEventsColumns) +
           (daily ? ", PRIMARY KEY (event_id, event_time)) PARTITION BY RANGE (event_time)"
                  : ", PRIMARY KEY (event_id))") +
           "; CREATE INDEX ON " + t.events + " (event_time); CREATE INDEX ON " + t.events +
           " (user_id)";
}

std::string keys_table_ddl(const QuotedTables& t) {
    return "CREATE TABLE " + t.keys + " (" + column_definitions(kKeysColumns) +
           ", PRIMARY KEY (event_id))";
}

std::string deletions_table_ddl(const QuotedTables& t) {
    return "CREATE TABLE " + t.deletions + " (" + column_definitions(kDeletionsColumns) +
           ", PRIMARY KEY (event_id))";
}

std::string offsets_table_ddl(const QuotedTables& t) {
    return "CREATE TABLE " + t.offsets + " (" + column_definitions(kOffsetsColumns) +
           ", PRIMARY KEY (connector, topic, kafka_partition))";
}

}  // namespace ingest::plugins::shared::pg
