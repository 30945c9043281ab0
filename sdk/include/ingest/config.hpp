// Plugin configuration: errors, the config a task receives, and ConfigDef, which declares each key
// of a plugin's settings once (name, type, default, bounds, documentation, the member it fills).
// The key table the host validates, the generated docs and the parsing all come from that one
// declaration. Included by ingest/sdk.hpp; the runner uses it for its own keys too.
#pragma once

#include <ingest/plugin_abi.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace ingest::sdk {

// Throw from any task method: the call may be repeated later (the host retries).
class RetriableError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

// Throw from any task method: the task fails visibly. Any other exception counts as fatal too.
class FatalError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

// ---- config table helpers ------------------------------------------------------------------

constexpr ingest_config_key string_key(const char* name, const char* default_value,
                                       const char* doc,
                                       const char* const* allowed_values = nullptr) {
    return {sizeof(ingest_config_key), name, INGEST_CONFIG_STRING, default_value, doc, 0, 0, 0, 0, allowed_values};
}
constexpr ingest_config_key password_key(const char* name, const char* default_value,
                                         const char* doc) {
    return {sizeof(ingest_config_key), name, INGEST_CONFIG_PASSWORD, default_value, doc, 0, 0, 0, 0, nullptr};
}
constexpr ingest_config_key int_key(const char* name, const char* default_value, const char* doc,
                                    double min = std::numeric_limits<double>::lowest(),
                                    double max = std::numeric_limits<double>::max()) {
    return {sizeof(ingest_config_key),
            name,
            INGEST_CONFIG_INT,
            default_value,
            doc,
            min != std::numeric_limits<double>::lowest(),
            min,
            max != std::numeric_limits<double>::max(),
            max,
            nullptr};
}
constexpr ingest_config_key double_key(const char* name, const char* default_value,
                                       const char* doc,
                                       double min = std::numeric_limits<double>::lowest(),
                                       double max = std::numeric_limits<double>::max()) {
    ingest_config_key key = int_key(name, default_value, doc, min, max);
    key.type = INGEST_CONFIG_DOUBLE;
    return key;
}
constexpr ingest_config_key bool_key(const char* name, const char* default_value,
                                     const char* doc) {
    return {sizeof(ingest_config_key), name, INGEST_CONFIG_BOOL, default_value, doc, 0, 0, 0, 0, nullptr};
}

// ---- config values ---------------------------------------------------------------------------

// The validated config a task receives. Every declared key is present (defaults filled in), and
// values already passed the type and range checks of the table, so accessors only convert.
class Config {
   public:
    explicit Config(const ingest_config& raw) : raw_(raw) {}

    std::optional<std::string_view> find(std::string_view key) const {
        for (size_t i = 0; i < raw_.count; ++i)
            if (key == raw_.entries[i].key) return std::string_view(raw_.entries[i].value);
        return std::nullopt;
    }
    std::string get_string(std::string_view key) const {
        auto value = find(key);
        if (!value) throw FatalError("config key '" + std::string(key) + "' is missing");
        return std::string(*value);
    }
    long long get_int(std::string_view key) const {
        return std::strtoll(get_string(key).c_str(), nullptr, 10);
    }
    double get_double(std::string_view key) const {
        return std::strtod(get_string(key).c_str(), nullptr);
    }
    bool get_bool(std::string_view key) const { return get_string(key) == "true"; }

   private:
    const ingest_config& raw_;
};

// A config that owns its values: what a host, a harness or a test builds to hand a plugin.
class OwnedConfig {
   public:
    explicit OwnedConfig(std::map<std::string, std::string> values) : values_(std::move(values)) {
        entries_.reserve(values_.size());
        for (const auto& [key, value] : values_) entries_.push_back({key.c_str(), value.c_str()});
        raw_ = {entries_.data(), entries_.size()};
    }
    OwnedConfig(const OwnedConfig&) = delete;  // entries_ point into values_
    OwnedConfig& operator=(const OwnedConfig&) = delete;

    const ingest_config& raw() const { return raw_; }
    Config config() const { return Config(raw_); }

   private:
    std::map<std::string, std::string> values_;
    std::vector<ingest_config_entry> entries_;
    ingest_config raw_{};
};

// ---- the grammar of config values ---------------------------------------------------------------
// One grammar for the runner's checks of every key and for ConfigDef's parsing, so that a value the
// runner accepts always parses: the whole text, no blanks, base 10.

inline std::optional<long long> parse_int(std::string_view text) {
    long long value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}
// A finite number ("1.5", "2", "1e-3").
inline std::optional<double> parse_double(std::string_view text) {
    double value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
        return std::nullopt;
    return value;
}
inline std::optional<bool> parse_bool(std::string_view text) {
    if (text == "true") return true;
    if (text == "false") return false;
    return std::nullopt;
}

// ---- typed settings: every key declared once ---------------------------------------------------

struct Problem {
    std::string key;  // empty: about the config as a whole
    std::string message;
};
using Problems = std::vector<Problem>;

// "key 'a': why; key 'b': why": every problem in one line.
inline std::string describe_problems(const Problems& problems) {
    std::string text;
    for (const auto& problem : problems) {
        if (!text.empty()) text += "; ";
        if (!problem.key.empty()) text += "key '" + problem.key + "': ";
        text += problem.message;
    }
    return text;
}

// What a plugin's descriptor needs of a ConfigDef, whatever its settings type.
class ConfigTable {
   public:
    virtual ~ConfigTable() = default;
    virtual std::span<const ingest_config_key> table() const = 0;
    // Every problem of a config whose keys each passed the table's checks: values that do not fit
    // their member, and the rules that span several keys.
    virtual Problems validate(const Config& config) const = 0;
};

// The default of a key that has none: the config must give it.
struct Required {};
inline constexpr Required required{};

// Declares the keys of `Settings`, each bound to one member. The member's type gives the key's
// type: std::string a STRING (or, with secret(), a PASSWORD), bool a BOOL, any integer an INT, a
// floating-point number a DOUBLE.
//
//   ConfigDef<S>()
//       .key("table", &S::table, "events", "Table rows are written to.")
//       .key("batch", &S::batch, 1000, "Rows per statement.").between(1, 100000)
//       .secret("password", &S::password, required, "Database password.").not_empty()
//       .rule([](const S& s, Problems& p) { if (...) p.push_back({"batch", "must be ..."}); });
template <typename Settings>
class ConfigDef final : public ConfigTable {
   public:
    using Rule = std::function<void(const Settings&, Problems&)>;

    ConfigDef() = default;
    // The C table points into the keys' strings, so every copy rebuilds its own.
    ConfigDef(const ConfigDef& other) : keys_(other.keys_), rules_(other.rules_) { rebuild(); }
    ConfigDef(ConfigDef&& other) noexcept : keys_(std::move(other.keys_)), rules_(std::move(other.rules_)) {
        rebuild();
    }
    ConfigDef& operator=(ConfigDef other) noexcept {
        keys_ = std::move(other.keys_);
        rules_ = std::move(other.rules_);
        rebuild();
        return *this;
    }

    template <typename T, typename Default>
    ConfigDef& key(const char* name, T Settings::*member, const Default& default_value, const char* doc) {
        return add(name, member, default_value, doc, type_of<T>());
    }
    // A string the host masks in logs, status and errors.
    template <typename Default>
    ConfigDef& secret(const char* name, std::string Settings::*member, const Default& default_value,
                      const char* doc) {
        return add(name, member, default_value, doc, INGEST_CONFIG_PASSWORD);
    }
    // Inclusive bounds of the key declared last (INT or DOUBLE).
    ConfigDef& at_least(double min) {
        keys_.back().has_min = true;
        keys_.back().min = min;
        rebuild();
        return *this;
    }
    ConfigDef& at_most(double max) {
        keys_.back().has_max = true;
        keys_.back().max = max;
        rebuild();
        return *this;
    }
    ConfigDef& between(double min, double max) { return at_least(min).at_most(max); }
    // The key declared last (STRING or PASSWORD) must not be empty.
    ConfigDef& not_empty() {
        keys_.back().not_empty = true;
        return *this;
    }
    // The only values the key declared last (STRING) may take.
    ConfigDef& one_of(std::initializer_list<const char*> values) {
        keys_.back().allowed.assign(values.begin(), values.end());
        rebuild();
        return *this;
    }
    // A rule over several keys, checked once every key parsed; it adds what is wrong to `problems`.
    ConfigDef& rule(Rule check) {
        rules_.push_back(std::move(check));
        return *this;
    }

    std::span<const ingest_config_key> table() const override { return rows_; }

    // The settings of a validated config; throws FatalError naming every problem.
    Settings parse(const Config& config) const {
        Settings settings{};
        if (Problems problems = parse_into(config, settings); !problems.empty())
            throw FatalError("invalid config: " + describe_problems(problems));
        return settings;
    }
    Problems validate(const Config& config) const override {
        Settings settings{};
        return parse_into(config, settings);
    }
    // Parses into `settings` (several ConfigDefs may share one struct); returns every problem.
    Problems parse_into(const Config& config, Settings& settings) const {
        Problems problems;
        bool every_member_set = true;  // the rules need every member; an empty string still is one
        for (const auto& key : keys_) {
            auto value = config.find(key.name);
            if (!value && !key.has_default) {
                problems.push_back({key.name, "is required"});
                every_member_set = false;
                continue;
            }
            const std::string_view text = value ? *value : std::string_view(key.default_text);
            if (auto problem = key.assign(settings, text)) {
                problems.push_back({key.name, *problem});
                every_member_set = false;
            } else if (key.not_empty && text.empty()) {
                problems.push_back({key.name, "must not be empty"});
            }
        }
        if (every_member_set)
            for (const auto& check : rules_) check(settings, problems);
        return problems;
    }

   private:
    struct Key {
        std::string name, doc, default_text;
        bool has_default = false;
        bool not_empty = false;
        ingest_config_type type = INGEST_CONFIG_STRING;
        bool has_min = false, has_max = false;
        double min = 0, max = 0;
        std::vector<std::string> allowed;
        // Converts a value into the member; returns why it could not.
        std::function<std::optional<std::string>(Settings&, std::string_view)> assign;
    };

    template <typename T>
    static constexpr ingest_config_type type_of() {
        if constexpr (std::is_same_v<T, std::string>) return INGEST_CONFIG_STRING;
        else if constexpr (std::is_same_v<T, bool>) return INGEST_CONFIG_BOOL;
        else if constexpr (std::is_integral_v<T>) return INGEST_CONFIG_INT;
        else {
            static_assert(std::is_floating_point_v<T>, "a key binds a std::string, bool, integer or floating-point member");
            return INGEST_CONFIG_DOUBLE;
        }
    }

    template <typename T>
    static std::optional<std::string> convert(std::string_view text, T& out) {
        auto quoted = [&] {
            std::string q(1, '\'');  // appended, not "'" + text: GCC 12 warns falsely (-Wrestrict) on that
            q.append(text).push_back('\'');
            return q;
        };
        if constexpr (std::is_same_v<T, std::string>) {
            out.assign(text);
        } else if constexpr (std::is_same_v<T, bool>) {
            auto value = parse_bool(text);
            if (!value) return "must be true or false, not " + quoted();
            out = *value;
        } else if constexpr (std::is_integral_v<T>) {
            auto value = parse_int(text);
            if (!value) return "must be an integer, not " + quoted();
            if (!std::in_range<T>(*value)) return quoted() + " is out of range";
            out = static_cast<T>(*value);
        } else {
            auto value = parse_double(text);
            if (!value) return "must be a number, not " + quoted();
            out = static_cast<T>(*value);
        }
        return std::nullopt;
    }

    template <typename T>
    static std::string text_of(const T& value) {
        if constexpr (std::is_same_v<T, bool>) return value ? "true" : "false";
        else if constexpr (std::is_integral_v<T>) return std::to_string(value);
        else if constexpr (std::is_floating_point_v<T>) {
            char buffer[64];
            auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, static_cast<double>(value));
            return std::string(buffer, end);
        } else
            return std::string(value);
    }

    template <typename T, typename Default>
    ConfigDef& add(const char* name, T Settings::*member, const Default& default_value, const char* doc,
                   ingest_config_type type) {
        Key key;
        key.name = name;
        key.doc = doc;
        key.type = type;
        if constexpr (!std::is_same_v<Default, Required>) {
            key.has_default = true;
            if constexpr (std::is_same_v<T, std::string>)
                key.default_text = std::string(default_value);
            else
                key.default_text = text_of(static_cast<T>(default_value));
        }
        key.assign = [member](Settings& settings, std::string_view text) { return convert(text, settings.*member); };
        keys_.push_back(std::move(key));
        rebuild();
        return *this;
    }

    void rebuild() {
        rows_.clear();
        allowed_.clear();
        allowed_.reserve(keys_.size());
        for (const auto& key : keys_) {
            const char* const* allowed = nullptr;
            if (!key.allowed.empty()) {
                auto& list = allowed_.emplace_back();
                for (const auto& value : key.allowed) list.push_back(value.c_str());
                list.push_back(nullptr);
                allowed = list.data();
            }
            rows_.push_back({sizeof(ingest_config_key), key.name.c_str(), key.type,
                             key.has_default ? key.default_text.c_str() : nullptr, key.doc.c_str(), key.has_min,
                             key.min, key.has_max, key.max, allowed});
        }
    }

    std::vector<Key> keys_;
    std::vector<Rule> rules_;
    std::vector<ingest_config_key> rows_;
    std::vector<std::vector<const char*>> allowed_;
};

}  // namespace ingest::sdk
