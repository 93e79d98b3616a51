// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_TEST_CANCELLATION_NAMES_HPP
#define AKOOL_TEST_CANCELLATION_NAMES_HPP

// Data-driven test cases name the cancellation type they run with (Boost.Test prints each
// sample of a BOOST_DATA_TEST_CASE).

#include <boost/asio/cancellation_type.hpp>

#include <ostream>

namespace boost {
namespace asio {
inline std::ostream& operator<<(std::ostream& os, cancellation_type t)
{
    return os << (t == cancellation_type::terminal  ? "terminal"
                  : t == cancellation_type::partial ? "partial"
                  : t == cancellation_type::total   ? "total"
                                                    : "other");
}
} // namespace asio
} // namespace boost

#endif
