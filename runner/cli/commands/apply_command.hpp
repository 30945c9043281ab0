// `ingest connectors apply [--dry-run] [--no-delete] DIR`: makes a worker's connectors equal a
// directory of connector files, through the worker's REST API only, so that it works against any
// worker that serves it (standalone now, cluster workers alike).
//
//   1. DIR is read with the worker's own reader (config::read_connector_dir, `${env:...}` expanded
//      from this process's environment, as the worker does from its own).
//   2. GET /connectors?expand=info: the worker's connectors and configs (secrets masked).
//   3. The plan (connector_plan.hpp); every config to be written is first checked by the worker's
//      PUT /connector-plugins/{plugin}/config/validate. A file with any problem, local or found by
//      the worker, is refused with every problem named, and nothing is changed.
//   4. The plan is printed; with --dry-run that is all. Otherwise PUT /connectors/{name}/config for
//      creates and updates (the file's config as written: `${env:...}` references stay references,
//      for the worker to expand), then DELETE /connectors/{name} for connectors not in DIR (unless
//      --no-delete). The first refused call stops it, saying what was already applied.
#pragma once

#include "cli/rest_client.hpp"

#include <filesystem>

namespace ingest::cli {

struct ApplyOptions {
    std::filesystem::path dir;
    bool dry_run = false;
    bool delete_others = true;  // delete connectors that are not in dir (off: --no-delete)
};

// The exit code: 0 applied (or planned, with dry_run), 2 refused files (nothing changed), else the
// ClientError code of the first refused call. Throws ClientError when the worker cannot be read.
int apply_connectors(const RestClient& client, const ApplyOptions& options);

}  // namespace ingest::cli
