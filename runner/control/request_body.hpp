// What REST request bodies say, turned into the values the routes act on. Pure: no herder, no
// files, no HTTP; a body that says nothing usable is ApiError 400 naming what is wrong. Kept apart
// from the routes so that it can be tested and fuzzed alone (tests/fuzz: rest_request).
#pragma once

#include "worker/connector_offsets.hpp"

#include <boost/json/object.hpp>

#include <map>
#include <string>
#include <vector>

namespace ingest::control {

using ConfigValues = std::map<std::string, std::string>;

// A body's config object as connector-file values: strings, numbers and booleans (as text);
// `connector.class` becomes `plugin`; a `name` key must equal `name` (Kafka Connect's habit) and is
// dropped. With `nulls_remove` (PATCH), a null value removes the key from `base`. ApiError 400
// listing every bad value.
ConfigValues config_values(const boost::json::object& config, const std::string& name,
                           ConfigValues base = {}, bool nulls_remove = false);

// The changes a KIP-875 `PATCH .../offsets` body asks for:
// {"offsets": [{"partition": {"kafka_topic": T, "kafka_partition": P}, "offset": {"kafka_offset": N} | null}]}.
// ApiError 400 naming the first bad element.
std::vector<worker::ConnectorOffset> offset_changes(const boost::json::object& body);

}  // namespace ingest::control
