// Independent readings of the data contract for the simulator's tests: JSON via Boost.JSON, the
// schema via valijson against schemas/user_event.schema.json, timestamps by a small parser of the
// one form the simulator writes.
#pragma once

#include <boost/json.hpp>
#include <valijson/adapters/boost_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ingest::simulator::testing {

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

// YYYY-MM-DDTHH:MM:SS.ffffffZ to microseconds since the epoch.
inline int64_t parse_timestamp(std::string_view text) {
    if (text.size() != 27 || text[10] != 'T' || text[26] != 'Z')
        throw std::invalid_argument("unexpected timestamp " + std::string(text));
    auto number = [&](size_t at, size_t size) { return std::stoll(std::string(text.substr(at, size))); };
    using namespace std::chrono;
    const sys_days date = year_month_day{year{static_cast<int>(number(0, 4))},
                                        month{static_cast<unsigned>(number(5, 2))},
                                        day{static_cast<unsigned>(number(8, 2))}};
    return duration_cast<microseconds>(date.time_since_epoch()).count() +
           ((number(11, 2) * 60 + number(14, 2)) * 60 + number(17, 2)) * 1'000'000 +
           number(20, 6);
}

}  // namespace ingest::simulator::testing
