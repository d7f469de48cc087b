// The clock transitions of several domains in the harness's order: domain k
// (period P_k, even) rises at n * P_k and falls at n * P_k + P_k / 2; the
// transitions are taken by time, then by domain index. The rising edges are in
// the order of SimKernel.ClockEdges (docs/architecture.md, "Clock domains").
#ifndef SOCSIM_CLOCK_EDGES_H
#define SOCSIM_CLOCK_EDGES_H

#include <cstdint>
#include <vector>

namespace socsim {

struct ClockTransition {
    uint64_t time_ps;
    uint32_t domain;
    bool rising;
    uint64_t cycle;  // rising: the cycle it starts; falling: the cycle it is in
};

class ClockTransitions {
public:
    explicit ClockTransitions(std::vector<uint64_t> periods)
        : periods_(std::move(periods)), half_(periods_.size(), 0) {}

    // The next transition (does not consume it).
    ClockTransition peek() const {
        size_t best = 0;
        uint64_t best_t = time_of(0);
        for (size_t k = 1; k < periods_.size(); ++k) {
            uint64_t t = time_of(k);
            if (t < best_t) { best = k; best_t = t; }
        }
        return ClockTransition{best_t, uint32_t(best), half_[best] % 2 == 0, half_[best] / 2};
    }

    ClockTransition next() {
        ClockTransition t = peek();
        ++half_[t.domain];
        return t;
    }

private:
    uint64_t time_of(size_t k) const { return half_[k] * (periods_[k] / 2); }
    std::vector<uint64_t> periods_;
    std::vector<uint64_t> half_;  // per domain: index of the next half-period boundary
};

}  // namespace socsim

#endif
