// The plugin's one exported symbol.
#include "config.hpp"
#include "simulator_task.hpp"

INGEST_SOURCE_PLUGIN(ingest::plugins::source_event_simulator::SimulatorTask,
                     "source_event_simulator", "1.0.0",
                     "Simulates user activity events (page views, clicks, purchases) with late "
                     "arrivals, duplicates, corrections, invalidations, deletions and malformed "
                     "records, and writes a JSON Lines audit log of what it meant and where the "
                     "broker stored it.",
                     ingest::plugins::source_event_simulator::config_def())
