// The plan of `ingest connectors apply`: creates, updates with their changed keys, deletes (or
// kept with --no-delete), unchanged; masked secrets never compared and never printed.
#include "cli/commands/connector_plan.hpp"

#include <gtest/gtest.h>

namespace {

using ingest::cli::ConnectorChange;
using ingest::cli::ConnectorConfigMap;
using ingest::cli::format_plan;
using ingest::cli::plan_connectors;

const auto kNoSecrets = [](const std::string&, const std::string&) { return false; };

TEST(ConnectorPlan, CreatesUpdatesDeletesAndCountsTheUnchanged) {
    const std::map<std::string, ConnectorConfigMap> desired{
        {"new", {{"plugin", "p"}, {"topic", "t"}}},
        {"changed", {{"plugin", "p"}, {"table", "events2"}, {"batch.size", "500"}}},
        {"same", {{"plugin", "p"}, {"topic", "t"}}},
    };
    const std::map<std::string, ConnectorConfigMap> current{
        {"changed", {{"plugin", "p"}, {"table", "events"}, {"retries", "3"}}},
        {"same", {{"plugin", "p"}, {"topic", "t"}}},
        {"gone", {{"plugin", "p"}}},
    };
    const auto plan = plan_connectors(desired, current, true);
    EXPECT_EQ(format_plan(plan, kNoSecrets),
              "+ create new\n"
              "    plugin: p\n"
              "    topic: t\n"
              "~ update changed\n"
              "    batch.size: (unset) -> 500\n"
              "    retries: 3 -> (unset)\n"
              "    table: events -> events2\n"
              "- delete gone\n"
              "apply: 1 to create, 1 to update, 1 to delete, 1 unchanged\n");
    EXPECT_EQ(plan.unchanged, std::vector<std::string>{"same"});
}

TEST(ConnectorPlan, NoDeleteKeepsWhatIsNotInTheDirectory) {
    const auto plan = plan_connectors({{"a", {{"plugin", "p"}}}}, {{"a", {{"plugin", "p"}}}, {"b", {}}}, false);
    EXPECT_TRUE(plan.empty());
    EXPECT_EQ(plan.kept, std::vector<std::string>{"b"});
    EXPECT_EQ(format_plan(plan, kNoSecrets),
              "apply: 0 to create, 0 to update, 0 to delete, 1 unchanged, 1 not in DIR kept (--no-delete)\n");
}

TEST(ConnectorPlan, AMaskedValueCannotBeComparedAndIsNeverPrinted) {
    const std::map<std::string, ConnectorConfigMap> desired{
        {"db", {{"plugin", "p"}, {"password", "s3cret"}, {"table", "t2"}, {"token", "new-token"}}},
        {"fresh", {{"plugin", "p"}, {"password", "hunter2"}}},
    };
    const std::map<std::string, ConnectorConfigMap> current{
        {"db", {{"plugin", "p"}, {"password", "****"}, {"table", "t1"}}},
    };
    const auto secret = [](const std::string&, const std::string& key) { return key == "password" || key == "token"; };
    const auto plan = plan_connectors(desired, current, true);
    const auto text = format_plan(plan, secret);
    EXPECT_EQ(text,
              "+ create fresh\n"
              "    password: ****\n"
              "    plugin: p\n"
              "~ update db\n"
              "    table: t1 -> t2\n"
              "    token: (unset) -> ****\n"
              "apply: 1 to create, 1 to update, 0 to delete, 0 unchanged\n");
    EXPECT_EQ(text.find("s3cret"), std::string::npos);
    EXPECT_EQ(text.find("hunter2"), std::string::npos);
    EXPECT_EQ(text.find("new-token"), std::string::npos);

    // A password alone differs only in what the worker never shows: no difference.
    const auto same = plan_connectors({{"db", {{"plugin", "p"}, {"password", "other"}}}},
                                      {{"db", {{"plugin", "p"}, {"password", "****"}}}}, true);
    EXPECT_TRUE(same.empty());
    EXPECT_EQ(same.unchanged, std::vector<std::string>{"db"});
}

TEST(ConnectorPlan, ChangesComeInApplyOrder) {
    const auto plan = plan_connectors({{"b", {{"k", "2"}}}, {"c", {}}}, {{"a", {}}, {"b", {{"k", "1"}}}}, true);
    ASSERT_EQ(plan.changes.size(), 3u);
    EXPECT_EQ(plan.changes[0].action, ConnectorChange::Action::create);
    EXPECT_EQ(plan.changes[1].action, ConnectorChange::Action::update);
    EXPECT_EQ(plan.changes[2].action, ConnectorChange::Action::remove);
}

}  // namespace
