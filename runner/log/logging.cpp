#include "log/logging.hpp"

#include <boost/core/null_deleter.hpp>
#include <boost/json.hpp>
#include <boost/log/attributes/value_extraction.hpp>
#include <boost/log/core.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/log/sinks/text_ostream_backend.hpp>
#include <boost/log/sources/record_ostream.hpp>
#include <boost/log/sources/logger.hpp>

#include <chrono>
#include <ctime>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace ingest::log {
namespace {

namespace logging = boost::log;
namespace sinks = boost::log::sinks;

constexpr const char* kLevelNames[] = {"trace", "debug", "info", "warn", "error"};

using Backend = sinks::text_ostream_backend;
using Frontend = sinks::synchronous_sink<Backend>;

struct State {
    std::mutex mutex;
    std::vector<std::string> secrets;
    Format format = Format::text;
    Level min_level = Level::info;
    std::map<std::string, Level, std::less<>> component_levels;  // own levels, beside min_level
    boost::shared_ptr<Frontend> sink;
};

State& state() {
    static State instance;
    return instance;
}

std::string utc_timestamp() {
    using namespace std::chrono;
    auto now = system_clock::now();
    auto micros = duration_cast<microseconds>(now.time_since_epoch()).count();
    std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>((micros % 1000000) / 1000));
    return buffer;
}

std::string mask_locked(std::string text, const std::vector<std::string>& secrets) {
    for (const auto& secret : secrets) {
        for (size_t at = text.find(secret); at != std::string::npos;
             at = text.find(secret, at + 4))
            text.replace(at, secret.size(), "****");
    }
    return text;
}

}  // namespace

Level parse_level(std::string_view text) {
    for (int i = 0; i < 5; ++i)
        if (text == kLevelNames[i]) return static_cast<Level>(i);
    throw std::invalid_argument("unknown log level '" + std::string(text) +
                                "' (expected trace, debug, info, warn or error)");
}

Format parse_format(std::string_view text) {
    if (text == "text") return Format::text;
    if (text == "json") return Format::json;
    throw std::invalid_argument("unknown log format '" + std::string(text) +
                                "' (expected text or json)");
}

void init(Level min_level, Format format) {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    auto core = logging::core::get();
    if (s.sink) core->remove_sink(s.sink);
    auto backend = boost::make_shared<Backend>();
    backend->add_stream(boost::shared_ptr<std::ostream>(&std::clog, boost::null_deleter()));
    backend->auto_flush(true);
    s.sink = boost::make_shared<Frontend>(backend);
    // The message is fully formatted (and masked) in write(); the sink only prints it.
    s.sink->set_formatter(logging::expressions::stream << logging::expressions::smessage);
    core->add_sink(s.sink);
    s.format = format;
    s.min_level = min_level;
}

void set_level(std::string_view logger, Level level) {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    if (logger == "root") {
        s.min_level = level;
        s.component_levels.clear();
    } else {
        s.component_levels.insert_or_assign(std::string(logger), level);
    }
}

std::map<std::string, Level> levels() {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    std::map<std::string, Level> result(s.component_levels.begin(), s.component_levels.end());
    result["root"] = s.min_level;
    return result;
}

Level level_of(std::string_view component) {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    auto own = s.component_levels.find(component);
    return own == s.component_levels.end() ? s.min_level : own->second;
}

const char* level_name(Level level) { return kLevelNames[static_cast<int>(level)]; }

void write(Level level, std::string_view component, std::string_view message) {
    auto& s = state();
    // Code that logs before main() configured logging (tests, tools) gets the default set-up
    // rather than Boost.Log's own format.
    static std::once_flag defaults;
    std::call_once(defaults, [&] {
        bool configured;
        {
            std::lock_guard lock(s.mutex);
            configured = s.sink != nullptr;
        }
        if (!configured) init(Level::info, Format::text);
    });
    std::string line;
    {
        std::lock_guard lock(s.mutex);
        auto own = s.component_levels.find(component);
        if (level < (own == s.component_levels.end() ? s.min_level : own->second)) return;
        std::string masked = mask_locked(std::string(message), s.secrets);
        const char* level_name = kLevelNames[static_cast<int>(level)];
        if (s.format == Format::json) {
            boost::json::object object;
            object["ts"] = utc_timestamp();
            object["level"] = level_name;
            object["component"] = component;
            object["msg"] = masked;
            line = boost::json::serialize(object);
        } else {
            line = utc_timestamp() + " " + level_name + std::string(6 - std::strlen(level_name), ' ') +
                   "[" + std::string(component) + "] " + masked;
            // One event, one line: continuation lines would break log shippers.
            for (char& c : line)
                if (c == '\n') c = ' ';
        }
    }
    static logging::sources::logger_mt logger;
    BOOST_LOG(logger) << line;
}

void add_secret(std::string_view secret) {
    // Masking very short values would shred unrelated text; such secrets are not secrets anyway.
    if (secret.size() < 4) return;
    auto& s = state();
    std::lock_guard lock(s.mutex);
    for (const auto& known : s.secrets)
        if (known == secret) return;
    s.secrets.emplace_back(secret);
}

std::string mask_secrets(std::string_view text) {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    return mask_locked(std::string(text), s.secrets);
}

}  // namespace ingest::log
