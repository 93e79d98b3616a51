// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_BLOCKING_DRIVER_HPP
#define AKOOL_DETAIL_BLOCKING_DRIVER_HPP

// The blocking driver of the exchange algorithm (sansio/exchange.hpp), behind the client's
// synchronous create, get-result and get-token: it carries out each action on the calling
// thread (the transport's blocking `send`, a sleep for a backoff, a condition variable for
// the request gate) and never touches an executor or the user's io_context. No Asio here.

#include <akool/error.hpp>
#include <akool/transport.hpp>
#include <akool/detail/sansio/exchange.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace akool {
namespace detail {

// The longest single sleep or timed wait of a blocking call. The C library takes a wait's
// seconds in a time_t, which a 32-bit time_t (i386) wraps for a wait over 68 years long, and
// the wait then ends at once (helper-48: a backoff of centuries was retried at once, a poll a
// century away spun); longer waits are made of such steps.
inline constexpr std::chrono::hours longest_wait{24};

// Sleeps on the calling thread until `t` (time_point::max(): for good), longest_wait at most
// at a time.
inline void sleep_in_steps_until(std::chrono::steady_clock::time_point t)
{
    const std::chrono::steady_clock::duration step = longest_wait;
    for (auto now = std::chrono::steady_clock::now(); now < t; now = std::chrono::steady_clock::now())
        std::this_thread::sleep_for(t - now < step ? t - now : step);
}

// A blocking caller's place in the request gate: `cancel` (the gate's wake-up) ends its wait.
class blocking_waiter final : public gate_waiter {
public:
    void cancel() noexcept override
    {
        {
            std::lock_guard<std::mutex> lock(mtx_);
            woken_ = true;
        }
        cv_.notify_one();
    }

    // Waits until `until` (time_point::max(): without end) or a wake-up, whichever is first.
    void wait_until(std::chrono::steady_clock::time_point until)
    {
        std::unique_lock<std::mutex> lock(mtx_);
        if (until == std::chrono::steady_clock::time_point::max()) {
            cv_.wait(lock, [&] { return woken_; });
        } else {
            for (auto now = std::chrono::steady_clock::now(); !woken_ && now < until;
                 now = std::chrono::steady_clock::now())
                cv_.wait_until(lock, until - now < longest_wait ? until : now + longest_wait, [&] { return woken_; });
        }
        woken_ = false;
    }

private:
    std::mutex mtx_;
    std::condition_variable cv_;
    bool woken_ = false;
};

// Runs `algo` to its end on the calling thread; `waiter` is the one `algo` was made with.
template <class Transport>
void run_blocking(Transport& transport, sansio::exchange_core& algo, blocking_waiter& waiter)
{
    using clock = std::chrono::steady_clock;
    sansio::exchange_action a = algo.resume(clock::now());
    for (;;) {
        switch (a.kind) {
        case sansio::exchange_action::wait_gate:
            waiter.wait_until(a.wake_at);
            a = algo.resume(clock::now());
            break;
        case sansio::exchange_action::send: {
            error_code ec;
            transport.send(algo.request(), algo.response(), ec);
            a = algo.resume(clock::now(), ec);
            break;
        }
        case sansio::exchange_action::sleep:
            sleep_in_steps_until(from_now(a.delay));
            a = algo.resume(clock::now());
            break;
        case sansio::exchange_action::done: return;
        }
    }
}

} // namespace detail
} // namespace akool

#endif
