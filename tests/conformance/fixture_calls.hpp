// What both base fixtures (base_sink.cpp, base_source.cpp) need at the raw C boundary: an error
// slot filled, an entry point's body kept from throwing into the host, a config value read.
#pragma once

#include <ingest/plugin_abi.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

namespace {

ingest_status failed(ingest_error* error, ingest_status status, const std::string& message) {
    std::snprintf(error->message, sizeof error->message, "%s", message.c_str());
    return status;
}

// Runs one entry point's body: what it throws becomes FATAL with its message, never an exception
// in the host.
template <class Body>
ingest_status guarded(ingest_error* error, Body&& body) {
    try {
        return body();
    } catch (const std::exception& e) {
        return failed(error, INGEST_FATAL, e.what());
    } catch (...) {
        return failed(error, INGEST_FATAL, "an unknown exception");
    }
}

// The value of `key` in the config the host passed ("" when absent: the host fills defaults).
const char* config_value(const ingest_config* config, const char* key) {
    for (size_t i = 0; i < config->count; ++i)
        if (std::strcmp(config->entries[i].key, key) == 0) return config->entries[i].value;
    return "";
}

}  // namespace
