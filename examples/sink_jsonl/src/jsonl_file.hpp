// The file sink_jsonl appends to: whole batches or nothing, and durable on request.
#pragma once

#include <string>
#include <string_view>

namespace sink_jsonl {

class JsonlFile {
   public:
    // Opens `path` for appending, creating it (mode 0644) if missing. Throws FatalError naming
    // the path and the system's reason.
    explicit JsonlFile(std::string path);
    ~JsonlFile();
    JsonlFile(const JsonlFile&) = delete;
    JsonlFile& operator=(const JsonlFile&) = delete;

    // Appends `lines` completely, or throws RetriableError after cutting the file back to its
    // size before the call: a batch the runner retries is then written once, never half twice.
    void append(std::string_view lines);
    // Makes everything appended so far durable (fsync). Throws RetriableError on failure.
    void sync();

   private:
    std::string path_;
    int fd_ = -1;
};

}  // namespace sink_jsonl
