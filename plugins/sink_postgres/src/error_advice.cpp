#include "error_advice.hpp"

#include "sql_text.hpp"

#include <span>

namespace ingest::plugins::sink_postgres {
namespace {

using shared::pg::Column;
using shared::pg::Partitioning;
using shared::pg::QuotedTables;

// The table a step works on (empty: none in particular), and what it needs there.
struct StepNeeds {
    const char* doing;
    const std::string* table;
    const char* privilege;
};

StepNeeds needs(WriteStep step, const QuotedTables& t) {
    const bool daily = t.names.partitioning == Partitioning::Daily;
    switch (step) {
        case WriteStep::Connecting: return {"checking the sink's tables", nullptr, nullptr};
        case WriteStep::CreatingTables: return {"creating missing tables (auto.create)", nullptr, nullptr};
        case WriteStep::Preparing: return {"preparing the sink's statements on its tables", nullptr, nullptr};
        case WriteStep::CreatingPartitions: return {"creating a daily partition of", &t.events, nullptr};
        case WriteStep::LockingPartitions: return {"locking the batch's partitions", nullptr, nullptr};
        case WriteStep::ReadingOffsets: return {"reading stored offsets from", &t.offsets, "SELECT"};
        case WriteStep::ClaimingPartitions: return {"claiming the partition in", &t.offsets, "INSERT and UPDATE"};
        case WriteStep::UpgradingOffsets: return {"adding the epoch column to", &t.offsets, "ownership"};
        case WriteStep::LookingUp:
            return {"looking up prior versions in", daily ? &t.keys : &t.events, "SELECT"};
        case WriteStep::RecordingDeletions: return {"recording deletions in", &t.deletions, "INSERT"};
        case WriteStep::DeletingRows: return {"deleting rows from", &t.events, "DELETE"};
        case WriteStep::UpdatingRows: return {"updating rows of", &t.events, "UPDATE"};
        case WriteStep::InsertingRows: return {"inserting new rows into", &t.events, "INSERT"};
        case WriteStep::UpdatingKeys: return {"updating keys in", &t.keys, "UPDATE"};
        case WriteStep::DeletingKeys: return {"deleting keys from", &t.keys, "DELETE"};
        case WriteStep::InsertingKeys: return {"inserting keys into", &t.keys, "INSERT"};
        case WriteStep::SavingOffsets: return {"storing offsets in", &t.offsets, "INSERT and UPDATE"};
        case WriteStep::Committing: return {"committing the batch's transaction", nullptr, nullptr};
        case WriteStep::AlteringOffsets: return {"altering stored offsets in", &t.offsets, "INSERT, UPDATE and DELETE"};
    }
    return {"writing", nullptr, nullptr};
}

std::string layout(std::span<const Column> columns) {
    std::string text = "(";
    for (const Column& column : columns) {
        if (text.size() > 1) text += ", ";
        text += std::string(column.name) + " " + std::string(column.type);
    }
    return text + ")";
}

// The declared layout of one of the sink's tables.
std::string layout_of(const std::string& table, const QuotedTables& t) {
    if (&table == &t.deletions) return layout(shared::pg::kDeletionsColumns);
    if (&table == &t.offsets) {
        // With the sink's own column (sql_text.hpp).
        std::string text = layout(shared::pg::kOffsetsColumns);
        text.pop_back();
        return text + ", " + kEpochColumn + " " + kEpochColumnType + ")";
    }
    if (&table == &t.keys) return layout(shared::pg::kKeysColumns);
    return layout(shared::pg::kEventsColumns);
}

std::string all_tables(const QuotedTables& t) {
    std::string list = t.events + ", " + t.deletions + ", " + t.offsets;
    if (t.names.partitioning == Partitioning::Daily) list += ", " + t.keys;
    return list;
}

constexpr const char* kThenRestart = " Then restart the connector.";

}  // namespace

std::string describe_step(WriteStep step, const QuotedTables& tables) {
    const StepNeeds what = needs(step, tables);
    std::string text = what.doing;
    if (what.table) text += " " + *what.table;
    if (what.privilege) text += std::string(" (needs ") + what.privilege + ")";
    return text;
}

std::string configuration_advice(std::string_view sqlstate, WriteStep step, const QuotedTables& t,
                                 std::string_view role) {
    const StepNeeds what = needs(step, t);
    const std::string who(role);
    if (sqlstate.starts_with("28"))
        return "PostgreSQL refused the role " + who +
               ": check the user and password in connection.dsn, that the role exists and may log in "
               "(LOGIN), and pg_hba.conf." + kThenRestart;
    if (sqlstate == "3F000")
        return "The schema " + t.schema + " does not exist: create it (auto.create=true creates it at start, " +
               "given CREATE on the database) or set `schema` to the schema of the sink's tables." + kThenRestart;
    if (sqlstate == "42501") {
        std::string advice = "The role " + who + " lacks a privilege";
        if (what.privilege && what.table) advice += std::string(": ") + what.privilege + " on " + *what.table;
        advice += ". The sink needs: GRANT USAGE ON SCHEMA " + t.schema + " TO " + who +
                  "; GRANT SELECT, INSERT, UPDATE, DELETE ON " + all_tables(t) + " TO " + who + ";";
        if (t.names.partitioning == Partitioning::Daily)
            advice += " partitioning=daily also needs CREATE on schema " + t.schema + " and ownership of " +
                      t.events + " (to create daily partitions);";
        if (step == WriteStep::CreatingTables)
            advice += " auto.create needs CREATE on schema " + t.schema +
                      " (or on the database, to create the schema), or create the tables beforehand;";
        return advice + kThenRestart;
    }
    if (sqlstate == "42P01")
        return "A table of the sink is missing" + (what.table ? " (" + *what.table + ")" : std::string()) +
               ": restart the connector with auto.create=true to create missing tables (with CREATE on schema " +
               t.schema + "), create it with the sink's layout, or set `schema`, `table`, `deletions.table` and "
               "`offsets.table` to the sink's tables." + kThenRestart;
    // Any other class 42 error: a column missing or of another type, an object the statements name.
    const std::string& table = what.table ? *what.table : t.events;
    return "The table " + table + " does not have the layout the sink writes: " + table + " " +
           layout_of(table, t) +
           ". Restore the missing or changed columns (ALTER TABLE), or drop the table and restart with "
           "auto.create=true to create it, or point the connector at tables with this layout." + kThenRestart;
}

std::string retries_exhausted_advice(std::string_view sqlstate, std::string_view role, std::string_view database) {
    if (sqlstate != "57014") return {};
    const std::string who(role);
    const std::string where = database.empty() ? "<the database>" : std::string(database);
    // Kept short: the task's error message travels in INGEST_ERROR_MESSAGE_MAX (1 KiB) bytes.
    return "Every attempt was cancelled (57014: statement_timeout, or an operator's cancel): raise statement_timeout "
           "for the role (ALTER ROLE " + who + " SET statement_timeout = '5min') or the database (ALTER DATABASE " +
           where + " SET statement_timeout = '5min'), or lower the connector's batch.max.records so that a batch "
           "finishes in time. A statement_timeout in connection.dsn (options=-c statement_timeout=...) overrides "
           "both; new settings apply from the task's restart (errors.restart.*, or `ingest connectors restart`).";
}

}  // namespace ingest::plugins::sink_postgres
