#include "batch_collapse.hpp"

#include <algorithm>
#include <numeric>

namespace ingest::plugins::sink_postgres {

void BatchCollapse::build(std::span<const EventKey> events) {
    order_.resize(events.size());
    std::iota(order_.begin(), order_.end(), 0u);
    // Ties broken by batch index keep each group in Kafka order.
    std::sort(order_.begin(), order_.end(), [&](uint32_t a, uint32_t b) {
        if (events[a].event_id != events[b].event_id)
            return events[a].event_id < events[b].event_id;
        return a < b;
    });
    groups_.clear();
    for (uint32_t i = 0; i < order_.size(); ++i) {
        if (i == 0 || events[order_[i]].event_id != events[order_[i - 1]].event_id)
            groups_.push_back({i, 0});
        ++groups_.back().count;
    }
}

GroupResolution resolve_group(std::span<const uint32_t> members, std::span<const EventKey> events,
                              PriorState prior) {
    using Kind = PriorState::Kind;
    GroupResolution result;
    PriorState state = prior;
    bool wrote = false;  // whether the group's state differs from the prior state

    for (uint32_t index : members) {
        const EventKey& event = events[index];
        if (state.kind == Kind::Deleted) {
            ++(event.tombstone ? result.duplicates : result.suppressed_after_delete);
            continue;
        }
        if (event.tombstone) {
            ++result.deleted;
            state = {Kind::Deleted, 0};
            result.decisive = index;
            wrote = true;
            continue;
        }
        if (state.kind == Kind::Stored && event.revision <= state.revision) {
            ++result.duplicates;
            continue;
        }
        ++(state.kind == Kind::Absent ? result.inserted : result.updated);
        if (!event.is_valid) ++result.invalidations;
        state = {Kind::Stored, event.revision};
        result.decisive = index;
        wrote = true;
    }

    if (!wrote) result.action = Action::None;
    else if (state.kind == Kind::Deleted) result.action = Action::Delete;
    else if (prior.kind == Kind::Absent) result.action = Action::Insert;
    else result.action = Action::Update;
    return result;
}

}  // namespace ingest::plugins::sink_postgres
