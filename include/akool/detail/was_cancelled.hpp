// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_WAS_CANCELLED_HPP
#define AKOOL_DETAIL_WAS_CANCELLED_HPP

// Whether a composed operation was cancelled. A cancellation reaches only the I/O or wait
// pending when it comes: one that comes between two steps (the last one's completion already
// queued) is only recorded in the operation's cancellation state, so the operations check
// this before each step they start.

#include <boost/asio/cancellation_type.hpp>

namespace akool {
namespace detail {

template <class Self>
bool was_cancelled(Self& self) noexcept
{
    return self.get_cancellation_state().cancelled() != boost::asio::cancellation_type::none;
}

} // namespace detail
} // namespace akool

#endif
