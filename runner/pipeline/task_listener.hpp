// How a task tells its owner what it is doing. The pipeline reports events; the worker's status
// model turns them into states (as Kafka Connect's TaskStatus.Listener does), so the pipeline
// needs to know nothing about status files, logs of status or REST.
#pragma once

#include <string>

namespace ingest::pipeline {

class TaskListener {
   public:
    virtual ~TaskListener() = default;
    // Started, or resumed after a pause.
    virtual void on_running() = 0;
    virtual void on_paused() = 0;
    // Failed: the task stopped itself; `trace` says why (secrets already masked).
    virtual void on_failed(const std::string& trace) = 0;
    // Shut down on request, after flushing and committing.
    virtual void on_stopped() = 0;
    // A source whose stream ended, everything delivered and committed.
    virtual void on_finished() = 0;
    // A judging task (a validator) gave its verdict.
    virtual void on_verdict(bool passed, const std::string& summary) = 0;
};

}  // namespace ingest::pipeline
