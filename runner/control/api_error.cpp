#include "control/api_error.hpp"

#include "config/connector_config.hpp"
#include "config/json_duplicates.hpp"
#include "log/logging.hpp"

#include <boost/json.hpp>

namespace ingest::control {

void reply(httplib::Response& response, int status, const boost::json::value& body) {
    response.status = status;
    response.set_content(boost::json::serialize(body), "application/json");
}

void reply_error(httplib::Response& response, int status, const std::string& message) {
    reply(response, status, boost::json::object{{"error_code", status}, {"message", log::mask_secrets(message)}});
}

boost::json::object parse_object_body(const httplib::Request& request) {
    const std::string& text = request.body;
    if (text.find_first_not_of(" \t\r\n") == std::string::npos)
        throw ApiError(400, "the request body is empty; expected a JSON object");
    boost::json::stream_parser parser;
    boost::system::error_code ec;
    size_t consumed = parser.write_some(text.data(), text.size(), ec);
    if (!ec && text.find_first_not_of(" \t\r\n", consumed) != std::string::npos) ec = boost::json::error::extra_data;
    if (!ec) parser.finish(ec);
    if (ec) throw ApiError(400, "the request body is not valid JSON at " + config::text_position(text, consumed) + ": " + ec.message());
    boost::json::value value = parser.release();
    if (!value.is_object()) throw ApiError(400, "the request body must be a JSON object");
    // Boost.JSON keeps the last of repeated keys: a body with one would silently lose what its
    // author also wrote (a connector file with one is refused the same way).
    const auto duplicates = config::find_duplicate_keys(text);
    if (!duplicates.empty()) {
        std::string names;
        for (const auto& duplicate : duplicates)
            names += (names.empty() ? "" : ", ") + std::string("\"") +
                     (duplicate.object.empty() ? "" : duplicate.object + ".") + duplicate.key + "\"";
        throw ApiError(400, "the request body repeats the key" + std::string(duplicates.size() == 1 ? " " : "s ") + names +
                                "; give each key once");
    }
    return std::move(value.as_object());
}

}  // namespace ingest::control
