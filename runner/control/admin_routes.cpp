// /admin/loggers (KIP-495): the log levels of a running worker. A logger is a log component
// ("worker", "rest", "<connector>-<task>"); "root" is the level of every component without its own.
// Levels are shown in Kafka Connect's upper case and accepted in any case.
#include "control/api_error.hpp"
#include "control/routes.hpp"
#include "log/logging.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

namespace ingest::control {
namespace {

std::string upper(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
    return text;
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
}

boost::json::object level_json(log::Level level) {
    return {{"level", upper(log::level_name(level))}, {"last_modified", nullptr}};
}

}  // namespace

void add_admin_routes(Router& router, const RouteContext&) {
    router.get("/admin/loggers", "Every logger with its level (KIP-495)",
        [](const httplib::Request&, httplib::Response& response) {
        boost::json::object loggers;
        for (const auto& [name, level] : log::levels()) loggers[name] = level_json(level);
        reply(response, 200, loggers);
    });
    router.get("/admin/loggers/{logger}", "One logger's level",
        [](const httplib::Request& request, httplib::Response& response) {
        reply(response, 200, level_json(log::level_of(request.matches[1].str())));
    });
    // Answers the loggers whose level changed, as Kafka Connect does.
    router.put("/admin/loggers/{logger}", "Set a logger's level at run time (`root`: every logger without its own)",
        [](const httplib::Request& request, httplib::Response& response) {
        const std::string name = request.matches[1];
        const auto body = parse_object_body(request);
        const auto* given = body.if_contains("level");
        if (!given || !given->is_string() || body.size() != 1)
            throw ApiError(400, "the body must be {\"level\": \"TRACE|DEBUG|INFO|WARN|ERROR\"}");
        log::Level level;
        try {
            level = log::parse_level(lower(std::string(given->as_string())));
        } catch (const std::invalid_argument&) {
            throw ApiError(400, "unknown log level '" + std::string(given->as_string()) +
                                    "' (expected TRACE, DEBUG, INFO, WARN or ERROR)");
        }
        boost::json::array changed;
        if (name == "root")
            for (const auto& [logger, _] : log::levels()) changed.push_back(boost::json::string(logger));
        else
            changed.push_back(boost::json::string(name));
        log::set_level(name, level);
        log::info("rest") << "log level of " << name << " set to " << log::level_name(level);
        reply(response, 200, changed);
    });
}

}  // namespace ingest::control
