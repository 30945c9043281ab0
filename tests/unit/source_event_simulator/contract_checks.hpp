// Readings of the data contract for the simulator's tests: JSON via Boost.JSON, the schema via
// valijson against schemas/user_event.schema.json, timestamps with the shared RFC 3339 codec.
#pragma once

#include "shared/user_events/rfc3339.hpp"

#include <boost/json.hpp>
#include <valijson/adapters/boost_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ingest::plugins::source_event_simulator::testing {

enum class Verdict { NotJson, FailsSchema, Valid };

class ContractChecker {
   public:
    ContractChecker() {
        std::ifstream file(USER_EVENT_SCHEMA_PATH);
        if (!file) throw std::runtime_error("cannot read " USER_EVENT_SCHEMA_PATH);
        std::stringstream text;
        text << file.rdbuf();
        schema_document_ = boost::json::parse(text.str());
        valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
        valijson::adapters::BoostJsonAdapter adapter(schema_document_);
        parser.populateSchema(adapter, schema_);
    }

    Verdict check(std::string_view value) const {
        boost::system::error_code error;
        const boost::json::value document = boost::json::parse(value, error);
        if (error) return Verdict::NotJson;
        valijson::Validator validator;
        valijson::adapters::BoostJsonAdapter target(document);
        return validator.validate(schema_, target, nullptr) ? Verdict::Valid : Verdict::FailsSchema;
    }

   private:
    boost::json::value schema_document_;
    valijson::Schema schema_;
};

// A timestamp of the simulator's values, read with the one RFC 3339 codec.
inline int64_t parse_timestamp(std::string_view text) {
    const auto parsed = shared::user_events::parse_rfc3339_micros(text);
    if (!parsed.ok()) throw std::invalid_argument("unexpected timestamp " + std::string(text) + ": " + parsed.error);
    return parsed.micros;
}

}  // namespace ingest::plugins::source_event_simulator::testing
