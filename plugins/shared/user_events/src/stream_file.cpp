#include "shared/user_events/stream_file.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ingest::plugins::shared::user_events {
namespace {

[[noreturn]] void fail(const std::string& problem) { throw std::runtime_error(problem); }

// "\"name\"", built by appending: GCC 12 warns falsely (-Wrestrict) on "\"" + std::string(name).
std::string quoted(std::string_view name) {
    std::string text(1, '"');
    text.append(name).push_back('"');
    return text;
}

const boost::json::value& member_of(const boost::json::object& object, std::string_view name) {
    const boost::json::value* value = object.if_contains(name);
    if (!value) fail("missing " + quoted(name));
    return *value;
}

int32_t small_int(const boost::json::object& object, std::string_view name, int64_t min) {
    const boost::json::value& value = member_of(object, name);
    if (!value.is_int64() || value.get_int64() < min || value.get_int64() > INT32_MAX)
        fail(quoted(name) + " is not an integer from " + std::to_string(min));
    return static_cast<int32_t>(value.get_int64());
}

}  // namespace

std::optional<std::string_view> StreamDescription::value(std::string_view key) const {
    for (const auto& [name, text] : keys)
        if (name == key) return std::string_view(text);
    return std::nullopt;
}

std::string task_audit_log_path(const std::string& audit_path, int32_t task, int32_t tasks) {
    if (audit_path.empty() || tasks == 1) return audit_path;
    return audit_path + "." + std::to_string(task);
}

std::string stream_file_path(const std::string& task_audit_path) { return task_audit_path + ".stream"; }

std::string render_stream_description(const StreamDescription& description) {
    boost::json::object keys;
    for (const auto& [name, value] : description.keys) keys[name] = value;
    boost::json::object object;
    object["format"] = kStreamFileFormat;
    object["plugin"] = "source_event_simulator";
    object["task"] = description.task;
    object["tasks"] = description.tasks;
    object["stream"] = std::move(keys);
    return boost::json::serialize(object);
}

StreamDescription parse_stream_description(std::string_view text) {
    boost::system::error_code error;
    const boost::json::value document = boost::json::parse(text, error);
    if (error) fail("not JSON (" + error.message() + ")");
    const boost::json::object* object = document.if_object();
    if (!object) fail("not a JSON object");
    const boost::json::value& format = member_of(*object, "format");
    if (!format.is_int64() || format.get_int64() != kStreamFileFormat)
        fail("format " + boost::json::serialize(format) + " is not " +
             std::to_string(kStreamFileFormat) + " (written by another version?)");
    StreamDescription description;
    description.tasks = small_int(*object, "tasks", 1);
    description.task = small_int(*object, "task", 0);
    if (description.task >= description.tasks) fail("task is not below tasks");
    const boost::json::value& keys = member_of(*object, "stream");
    if (!keys.is_object()) fail("\"stream\" is not an object");
    for (const auto& entry : keys.get_object()) {
        if (!entry.value().is_string())
            fail("\"stream\"." + quoted(entry.key()) + " is not a string");
        description.keys.emplace_back(std::string(entry.key()), std::string(entry.value().get_string()));
    }
    return description;
}

void write_stream_file(const std::string& path, const StreamDescription& description) {
    const std::string temporary = path + ".tmp";
    const std::string text = render_stream_description(description) + "\n";
    auto failed = [&](const std::string& what, int error_number) {
        throw std::runtime_error("stream file " + path + ": " + what + ": " +
                                 std::strerror(error_number));
    };
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) failed("cannot create " + temporary, errno);
    size_t written = 0;
    while (written < text.size()) {
        const ssize_t result = ::write(fd, text.data() + written, text.size() - written);
        if (result < 0) {
            if (errno == EINTR) continue;
            const int error_number = errno;
            ::close(fd);
            failed("cannot write " + temporary, error_number);
        }
        written += static_cast<size_t>(result);
    }
    if (::fsync(fd) != 0) {
        const int error_number = errno;
        ::close(fd);
        failed("cannot sync " + temporary, error_number);
    }
    ::close(fd);
    if (::rename(temporary.c_str(), path.c_str()) != 0) failed("cannot rename " + temporary, errno);
}

std::optional<StreamDescription> read_stream_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (!std::filesystem::exists(path)) return std::nullopt;
        throw std::runtime_error("stream file " + path + ": cannot be read");
    }
    std::ostringstream text;
    text << in.rdbuf();
    try {
        return parse_stream_description(text.str());
    } catch (const std::runtime_error& error) {
        throw std::runtime_error("stream file " + path + ": " + error.what());
    }
}

}  // namespace ingest::plugins::shared::user_events
