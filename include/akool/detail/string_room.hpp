// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_STRING_ROOM_HPP
#define AKOOL_DETAIL_STRING_ROOM_HPP

// Room in a std::string that a body is read into, so that a body held in memory never
// holds more than its limit: std::string's own growth (resize, reserve, append) may round
// the capacity up to twice the old one, past the limit; a fresh string's reserve does not.

#include <cstddef>
#include <string>

namespace akool {
namespace detail {

// Makes `s`'s capacity `n` (n >= s.size()), its bytes kept.
inline void reserve_exactly(std::string& s, std::size_t n)
{
    std::string bigger;
    bigger.reserve(n);
    bigger.append(s);
    s.swap(bigger);
}

// Room for the next `need` bytes of a body of at most `limit` bytes: twice the capacity when
// it must grow, but never past the limit (the body cannot be longer), and never less than
// `need`.
inline void grow_within(std::string& s, std::size_t need, std::size_t limit)
{
    if (need <= s.capacity()) return;
    const std::size_t doubled = s.capacity() > limit / 2 ? limit : 2 * s.capacity();
    reserve_exactly(s, need > doubled ? need : doubled);
}

} // namespace detail
} // namespace akool

#endif
