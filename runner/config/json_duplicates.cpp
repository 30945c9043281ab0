#include "config/json_duplicates.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <set>

namespace ingest::config {
namespace {

using boost::json::error_code;
using boost::json::string_view;

// A boost::json::basic_parser handler that builds nothing: it only remembers the keys of every
// open object.
class DuplicateFinder {
   public:
    constexpr static std::size_t max_object_size = std::size_t(-1);
    constexpr static std::size_t max_array_size = std::size_t(-1);
    constexpr static std::size_t max_key_size = std::size_t(-1);
    constexpr static std::size_t max_string_size = std::size_t(-1);

    std::vector<DuplicateKey> found;

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool on_object_begin(error_code&) { return open(true); }
    bool on_object_end(std::size_t, error_code&) { return close(); }
    bool on_array_begin(error_code&) { return open(false); }
    bool on_array_end(std::size_t, error_code&) { return close(); }
    bool on_key_part(string_view part, std::size_t, error_code&) {
        key_.append(part.data(), part.size());
        return true;
    }
    bool on_key(string_view part, std::size_t, error_code&) {
        key_.append(part.data(), part.size());
        Level& level = levels_.back();
        if (!level.keys.insert(key_).second && level.reported.insert(key_).second) found.push_back({level.path, key_});
        last_key_ = std::move(key_);
        key_.clear();
        return true;
    }
    bool on_string_part(string_view, std::size_t, error_code&) { return true; }
    bool on_string(string_view, std::size_t, error_code&) { return true; }
    bool on_number_part(string_view, error_code&) { return true; }
    bool on_int64(std::int64_t, string_view, error_code&) { return true; }
    bool on_uint64(std::uint64_t, string_view, error_code&) { return true; }
    bool on_double(double, string_view, error_code&) { return true; }
    bool on_bool(bool, error_code&) { return true; }
    bool on_null(error_code&) { return true; }
    bool on_comment_part(string_view, error_code&) { return true; }
    bool on_comment(string_view, error_code&) { return true; }

   private:
    struct Level {
        bool object;
        std::string path;
        std::set<std::string> keys, reported;
    };

    bool open(bool object) {
        std::string path;
        if (!levels_.empty()) {
            const Level& parent = levels_.back();
            path = parent.object ? (parent.path.empty() ? last_key_ : parent.path + "." + last_key_) : parent.path + "[]";
        }
        levels_.push_back({object, std::move(path), {}, {}});
        return true;
    }
    bool close() {
        levels_.pop_back();
        return true;
    }

    std::vector<Level> levels_;
    std::string key_, last_key_;
};

}  // namespace

std::vector<DuplicateKey> find_duplicate_keys(std::string_view text) {
    boost::json::basic_parser<DuplicateFinder> parser{boost::json::parse_options{}};
    error_code ec;
    parser.write_some(false, text.data(), text.size(), ec);
    return std::move(parser.handler().found);
}

}  // namespace ingest::config
