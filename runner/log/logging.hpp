// Process-wide logging on Boost.Log: one line per event, text or JSON lines, secrets masked.
#pragma once

#include <map>
#include <sstream>
#include <string>
#include <string_view>

namespace ingest::log {

enum class Level { trace, debug, info, warn, error };
enum class Format { text, json };

// Parses "trace|debug|info|warn|error"; throws std::invalid_argument naming the bad value.
Level parse_level(std::string_view text);
Format parse_format(std::string_view text);

// Sets up the stderr sink. Safe to call again (replaces the previous set-up).
void init(Level min_level, Format format);

void write(Level level, std::string_view component, std::string_view message);

// Levels at run time (the REST API's /admin/loggers). A logger is a component ("worker", "rest",
// "<connector>-<task>"); "root" is the level of every component without its own. Setting "root"
// also drops the components' own levels.
void set_level(std::string_view logger, Level level);
// "root" and every component given its own level.
std::map<std::string, Level> levels();
// The level lines of `component` are written at.
Level level_of(std::string_view component);
const char* level_name(Level level);  // "info"

// Every later occurrence of `secret` in any logged message is replaced by "****".
void add_secret(std::string_view secret);
// The same masking, for text shown elsewhere (status, errors on stdout).
std::string mask_secrets(std::string_view text);

// Stream-style line: `log::Line(Level::info, "worker") << "started " << n << " tasks";`
class Line {
   public:
    Line(Level level, std::string_view component) : level_(level), component_(component) {}
    Line(const Line&) = delete;
    Line& operator=(const Line&) = delete;
    ~Line() { write(level_, component_, stream_.str()); }

    template <typename T>
    Line& operator<<(const T& value) {
        stream_ << value;
        return *this;
    }

   private:
    Level level_;
    std::string_view component_;
    std::ostringstream stream_;
};

inline Line trace(std::string_view component) { return Line(Level::trace, component); }
inline Line debug(std::string_view component) { return Line(Level::debug, component); }
inline Line info(std::string_view component) { return Line(Level::info, component); }
inline Line warn(std::string_view component) { return Line(Level::warn, component); }
inline Line error(std::string_view component) { return Line(Level::error, component); }

}  // namespace ingest::log
