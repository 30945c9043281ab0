#include "log/logging.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <iostream>
#include <sstream>

namespace {

using namespace ingest;

// Captures what the log sink writes to std::clog.
class CapturedLog {
   public:
    CapturedLog() : previous_(std::clog.rdbuf(buffer_.rdbuf())) {}
    ~CapturedLog() { std::clog.rdbuf(previous_); }
    std::string text() const { return buffer_.str(); }

   private:
    std::ostringstream buffer_;
    std::streambuf* previous_;
};

TEST(Logging, JsonLinesAreOneParsableObjectPerEvent) {
    log::init(log::Level::info, log::Format::json);
    CapturedLog captured;
    log::info("worker") << "two\nlines \"quoted\"";
    log::debug("worker") << "below the level";
    auto text = captured.text();
    ASSERT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
    auto object = boost::json::parse(text).as_object();
    EXPECT_EQ(object.at("level"), "info");
    EXPECT_EQ(object.at("component"), "worker");
    EXPECT_EQ(object.at("msg"), "two\nlines \"quoted\"");
    log::init(log::Level::info, log::Format::text);
}

TEST(Logging, TextLinesStayOnOneLine) {
    log::init(log::Level::info, log::Format::text);
    CapturedLog captured;
    log::warn("kafka") << "first\nsecond";
    auto text = captured.text();
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
    EXPECT_NE(text.find("warn  [kafka] first second"), std::string::npos) << text;
}

TEST(Logging, SecretsAreMaskedEverywhere) {
    log::init(log::Level::info, log::Format::text);
    log::add_secret("postgresql://app:hunter22@db/ingest");
    CapturedLog captured;
    log::error("sink") << "cannot connect with postgresql://app:hunter22@db/ingest: refused";
    EXPECT_EQ(captured.text().find("hunter22"), std::string::npos) << captured.text();
    EXPECT_NE(captured.text().find("cannot connect with ****: refused"), std::string::npos) << captured.text();
    EXPECT_EQ(log::mask_secrets("dsn=postgresql://app:hunter22@db/ingest"), "dsn=****");
}

}  // namespace
