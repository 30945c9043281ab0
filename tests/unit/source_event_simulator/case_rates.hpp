// Tests set the six *.rate keys of a config together, in their declaration order.
#pragma once

#include "config.hpp"

namespace ingest::plugins::source_event_simulator::testing {

struct CaseRates {
    double late = 0;
    double duplicate = 0;
    double correction = 0;
    double invalidation = 0;
    double deletion = 0;
    double malformed = 0;
};

inline SimulatorConfig with_rates(SimulatorConfig config, const CaseRates& rates) {
    config.late_rate = rates.late;
    config.duplicate_rate = rates.duplicate;
    config.correction_rate = rates.correction;
    config.invalidation_rate = rates.invalidation;
    config.deletion_rate = rates.deletion;
    config.malformed_rate = rates.malformed;
    return config;
}

}  // namespace ingest::plugins::source_event_simulator::testing
