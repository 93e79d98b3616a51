// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_TIME_AFTER_HPP
#define AKOOL_DETAIL_TIME_AFTER_HPP

#include <chrono>

namespace akool {
namespace detail {

// `t` + `d` without overflow: time_point::max() (never) when the sum would pass it, so that
// a timeout of milliseconds::max() means "no limit" (it was signed overflow, undefined, and
// in practice a time in the past: every step timed out at once); `t` for a `d` of 0 or less.
template <class Clock, class Duration, class Rep, class Period>
std::chrono::time_point<Clock, Duration> time_after(std::chrono::time_point<Clock, Duration> t,
                                                    std::chrono::duration<Rep, Period> d) noexcept
{
    using point = std::chrono::time_point<Clock, Duration>;
    if (d <= d.zero()) return t;
    // The room left, in d's unit (rounded down: a sum that fits is never refused by much).
    const auto room = std::chrono::duration_cast<std::chrono::duration<Rep, Period>>(point::max() - t);
    if (d >= room) return point::max();
    return t + std::chrono::duration_cast<Duration>(d);
}

// time_after(steady_clock::now(), d): when a step that waits `d` from now ends.
template <class Rep, class Period>
std::chrono::steady_clock::time_point from_now(std::chrono::duration<Rep, Period> d) noexcept
{
    return time_after(std::chrono::steady_clock::now(), d);
}

} // namespace detail
} // namespace akool

#endif
