// Process-wide logging on Boost.Log: one line per event, text or JSON lines, secrets masked.
#pragma once

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
