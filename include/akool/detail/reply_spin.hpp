// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_REPLY_SPIN_HPP
#define AKOOL_DETAIL_REPLY_SPIN_HPP

// When a synchronous exchange should poll for its reply without sleeping before it blocks
// (`beast_transport_options::reply_spin`). Spinning pays only against a server that answers
// within the spin budget (loopback, the same rack): there a sleeping thread's wake-up costs
// more than the wait itself. Against a slow server (the real service answers in about
// 100 ms) every spin would be lost CPU, so the policy stops after `miss_limit` spins in a row
// that ended without the reply and then spins only once every `probe_interval` exchanges, to
// notice a server that became fast. Plain state per connection; no clock, no I/O.

#include <cstdint>

namespace akool {
namespace detail {

class reply_spin_policy {
public:
    static constexpr std::uint8_t miss_limit = 2;
    static constexpr std::uint8_t probe_interval = 64;

    // Whether this exchange should spin before it sleeps; counts the exchange.
    bool should_spin() noexcept
    {
        if (misses_ < miss_limit) return true;
        if (++since_probe_ < probe_interval) return false;
        since_probe_ = 0;
        return true;
    }

    // The outcome of a spin: `caught` when the reply became readable within the budget.
    void record(bool caught) noexcept
    {
        if (caught)
            misses_ = 0;
        else if (misses_ < miss_limit)
            ++misses_;
    }

    bool paused() const noexcept { return misses_ >= miss_limit; }

private:
    std::uint8_t misses_ = 0;
    std::uint8_t since_probe_ = 0;
};

} // namespace detail
} // namespace akool

#endif
