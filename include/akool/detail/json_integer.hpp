// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_JSON_INTEGER_HPP
#define AKOOL_DETAIL_JSON_INTEGER_HPP

// Reading a JSON number as an integer, written once for the reply decoders and the webhook
// payload: an integer, or a float with no fractional part (`3.0`, `1e3`), as some services
// serialise integers as floats. A fraction (`1.5`) or a float outside int64 is not one.

#include <boost/json/value.hpp>

#include <cmath>
#include <cstdint>
#include <limits>

namespace akool {
namespace detail {

// Reads `v` as an int64; false when it is not a number, not integral or out of range.
inline bool json_integer(const boost::json::value& v, std::int64_t& out) noexcept
{
    if (v.is_int64()) {
        out = v.get_int64();
        return true;
    }
    if (v.is_uint64()) {
        if (v.get_uint64() > static_cast<std::uint64_t>((std::numeric_limits<std::int64_t>::max)())) return false;
        out = static_cast<std::int64_t>(v.get_uint64());
        return true;
    }
    if (v.is_double()) {
        const double d = v.get_double();
        // [-2^63, 2^63): every integral double in it converts exactly.
        if (!std::isfinite(d) || d != std::floor(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0)
            return false;
        out = static_cast<std::int64_t>(d);
        return true;
    }
    return false;
}

// True for a finite float with a fractional part: a number that cannot be an integer.
inline bool json_fraction(const boost::json::value& v) noexcept
{
    return v.is_double() && std::isfinite(v.get_double()) && v.get_double() != std::floor(v.get_double());
}

} // namespace detail
} // namespace akool

#endif
