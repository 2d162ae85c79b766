// Configurations from the command line and from JSON, their checks, and the interleaved order.
#include <gtest/gtest.h>

#include "compare/experiment_plan.hpp"

namespace leakscope::compare {
namespace {

TEST(ComparePlan, ParsesNameEnvironmentAndArguments) {
    const auto plain = parse_configuration_spec("baseline");
    EXPECT_EQ(plain.name, "baseline");
    EXPECT_TRUE(plain.environment.empty());
    EXPECT_TRUE(plain.extra_arguments.empty());

    const auto flush = parse_configuration_spec("flush:LOG_FLUSH=1,LOG_DIR=/var/log/a=b,--batch=64");
    EXPECT_EQ(flush.name, "flush");
    EXPECT_EQ(flush.environment.at("LOG_FLUSH"), "1");
    EXPECT_EQ(flush.environment.at("LOG_DIR"), "/var/log/a=b");  // only the first '=' separates
    ASSERT_EQ(flush.extra_arguments.size(), 1u);
    EXPECT_EQ(flush.extra_arguments[0], "--batch=64");

    EXPECT_EQ(parse_configuration_spec("empty:EMPTY=").environment.at("EMPTY"), "");
}

TEST(ComparePlan, RejectsMalformedSpecsWithAClearMessage) {
    EXPECT_THROW(parse_configuration_spec("a:NOEQUALS"), PlanError);
    EXPECT_THROW(parse_configuration_spec("a:X=1,,Y=2"), PlanError);
    EXPECT_THROW(parse_configuration_spec("a:1X=2"), PlanError);
    EXPECT_THROW(parse_configuration_spec("a:X=1,X=2"), PlanError);
    try {
        parse_configuration_spec("a:oops");
        FAIL();
    } catch (const PlanError& e) {
        EXPECT_NE(std::string(e.what()).find("NAME:VAR=VALUE"), std::string::npos) << e.what();
    }
}

TEST(ComparePlan, ReadsTheJsonFormats) {
    const auto list = parse_configuration_json(
        R"({"configurations": [{"name": "before"},
                                {"name": "after", "env": {"FIX": 1, "MODE": "fast", "ON": true}, "args": ["--x", "y z"]}]})",
        "test.json");
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[1].environment.at("FIX"), "1");
    EXPECT_EQ(list[1].environment.at("MODE"), "fast");
    EXPECT_EQ(list[1].environment.at("ON"), "true");
    EXPECT_EQ(list[1].extra_arguments, (std::vector<std::string>{"--x", "y z"}));
    EXPECT_EQ(parse_configuration_json(R"([{"name": "a"}, {"name": "b"}])", "t").size(), 2u);

    EXPECT_THROW(parse_configuration_json("{", "t"), PlanError);
    EXPECT_THROW(parse_configuration_json(R"({"configs": []})", "t"), PlanError);
    EXPECT_THROW(parse_configuration_json(R"([{"env": {}}])", "t"), PlanError);
    EXPECT_THROW(parse_configuration_json(R"([{"name": "a", "envs": {}}])", "t"), PlanError);
    EXPECT_THROW(parse_configuration_json(R"([{"name": "a", "env": {"X": [1]}}])", "t"), PlanError);
    EXPECT_THROW(parse_configuration_json(R"([{"name": "a", "args": "--x"}])", "t"), PlanError);
    EXPECT_THROW(read_configuration_file("/nonexistent/configs.json"), PlanError);
}

TEST(ComparePlan, ChecksNamesAndCount) {
    const auto a = parse_configuration_spec("a"), b = parse_configuration_spec("b");
    EXPECT_NO_THROW(check_configurations({a, b}));
    EXPECT_THROW(check_configurations({a}), PlanError);
    EXPECT_THROW(check_configurations({a, a}), PlanError);
    EXPECT_THROW(check_configurations({a, parse_configuration_spec("../evil")}), PlanError);
    EXPECT_THROW(check_configurations({a, parse_configuration_spec("")}), PlanError);
    Configuration bad_env{"c", {{"X Y", "1"}}, {}};
    EXPECT_THROW(check_configurations({a, bad_env}), PlanError);
}

TEST(ComparePlan, ScheduleIsInterleaved) {
    const auto schedule = interleaved_schedule(3, 2);
    ASSERT_EQ(schedule.size(), 6u);
    const std::size_t expected_configuration[] = {0, 1, 2, 0, 1, 2};
    const int expected_repeat[] = {1, 1, 1, 2, 2, 2};
    for (std::size_t i = 0; i < schedule.size(); ++i) {
        EXPECT_EQ(schedule[i].configuration, expected_configuration[i]);
        EXPECT_EQ(schedule[i].repeat, expected_repeat[i]);
    }
    EXPECT_EQ(command_for({"./svc", "--port", "1"}, Configuration{"x", {}, {"--fast"}}),
              (std::vector<std::string>{"./svc", "--port", "1", "--fast"}));
}

}  // namespace
}  // namespace leakscope::compare
