// Duplicate keys in a JSON text. RFC 8259 leaves an object with a repeated name undefined and
// Boost.JSON (like most parsers) keeps the last value: in a config that silently drops what the
// author also wrote. Configs refuse them instead, naming the key.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ingest::config {

struct DuplicateKey {
    std::string object;  // where: "" for the top-level object, "config", "config.x", "a[]"
    std::string key;
};

// Every key given more than once in the same object of `text`, in document order (each repetition
// once). A text that is not valid JSON yields what was found before the error.
std::vector<DuplicateKey> find_duplicate_keys(std::string_view text);

}  // namespace ingest::config
