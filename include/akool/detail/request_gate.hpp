// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_REQUEST_GATE_HPP
#define AKOOL_DETAIL_REQUEST_GATE_HPP

// The client-side limits for large jobs: a cap on exchanges in flight and a minimum interval
// between request starts. The decision (`try_enter`) is plain code over a clock value; the
// waiting is done by the caller with a timer: a caller that may not enter gets a time to
// wake up at (rate limit) or is queued and woken by `leave` (in-flight cap), which cancels
// its timer. A woken caller that gives up instead of trying again (`forget`: its deadline
// passed, it was cancelled, it ended) passes the wake-up on to the next one. No Asio type is
// named here: the timer is any type with `cancel()`.

#include <akool/workflow.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
#include <mutex>
#include <vector>

namespace akool {
namespace detail {

template <class Timer>
class request_gate {
public:
    using clock = std::chrono::steady_clock;

    void set_limits(const rate_limits& l)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        limits_ = l;
    }
    rate_limits limits() const
    {
        std::lock_guard<std::mutex> lock(mtx_);
        return limits_;
    }

    // Tries to start an exchange now. On false, `wake_at` is when to try again; when it is
    // time_point::max() the caller was queued on `timer` and `leave` (or another caller's
    // `forget`) will cancel it. A wake-up the caller got is used when it enters or is queued
    // again; one that must still wait for the rate keeps it until it enters or forgets.
    bool try_enter(clock::time_point now, Timer* timer, clock::time_point& wake_at)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        const bool entered = admit(now, wake_at);
        if (!entered && wake_at != clock::time_point::max()) return false;
        woken_.erase(std::remove(woken_.begin(), woken_.end(), timer), woken_.end());
        const auto queued = std::find(waiters_.begin(), waiters_.end(), timer);
        if (entered) {
            if (queued != waiters_.end()) waiters_.erase(queued);
        } else if (queued == waiters_.end()) {
            waiters_.push_back(timer);
        }
        return entered;
    }

    // Ends an exchange and wakes the longest-waiting caller, if any.
    void leave()
    {
        std::lock_guard<std::mutex> lock(mtx_);
        if (in_flight_ > 0) --in_flight_;
        wake_next();
    }

    // Forgets a caller that waits no more (cancelled, out of time, ended): it leaves the queue,
    // and a wake-up it got and did not use goes to the next caller.
    void forget(Timer* timer)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        waiters_.erase(std::remove(waiters_.begin(), waiters_.end(), timer), waiters_.end());
        const auto woken = std::find(woken_.begin(), woken_.end(), timer);
        if (woken == woken_.end()) return;
        woken_.erase(woken);
        wake_next();
    }

    unsigned in_flight() const
    {
        std::lock_guard<std::mutex> lock(mtx_);
        return in_flight_;
    }

private:
    // Wakes the longest-waiting caller, if any, under the mutex.
    void wake_next()
    {
        if (waiters_.empty()) return;
        Timer* t = waiters_.front();
        waiters_.pop_front();
        woken_.push_back(t);
        t->cancel();
    }

    // The admission rule, under the mutex: true (and counted) when an exchange may start now;
    // else `wake_at` is when the rate allows it, or time_point::max() when the in-flight cap
    // is reached.
    bool admit(clock::time_point now, clock::time_point& wake_at)
    {
        if (limits_.max_in_flight != 0 && in_flight_ >= limits_.max_in_flight) {
            wake_at = clock::time_point::max();
            return false;
        }
        if (limits_.max_requests_per_second > 0) {
            if (next_start_ > now) {
                wake_at = next_start_;
                return false;
            }
            // At most 10^6 s (about 11.6 days) between starts: a tinier rate would overflow
            // the clock's integer duration (undefined behaviour, and in practice no limit).
            const double seconds = 1.0 / limits_.max_requests_per_second;
            auto interval = std::chrono::duration_cast<clock::duration>(
                std::chrono::duration<double>(seconds < 1e6 ? seconds : 1e6));
            next_start_ = std::max(now, next_start_) + interval;
        }
        ++in_flight_;
        return true;
    }

    mutable std::mutex mtx_;
    rate_limits limits_;
    unsigned in_flight_ = 0;
    clock::time_point next_start_{};
    std::deque<Timer*> waiters_;
    std::vector<Timer*> woken_;  // woken, the wake-up not yet used (entered, queued again) nor given up
};

} // namespace detail
} // namespace akool

#endif
