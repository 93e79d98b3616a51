// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_ASIO_COROUTINE_HPP
#define AKOOL_DETAIL_ASIO_COROUTINE_HPP

// Asio's stackless coroutine (net::coroutine with BOOST_ASIO_CORO_REENTER / _YIELD), as the
// composed operations use it, and a pair of macros around each operation that uses it: the
// coroutine is a switch whose case labels fall through by design, which clang++'s
// -Wimplicit-fallthrough reports at the operation's lines in a user's strict build (g++ does
// not). Only that warning, only there.

#include <boost/asio/coroutine.hpp>

#if defined(__clang__)
#define AKOOL_DETAIL_CORO_WARNINGS_PUSH \
    _Pragma("clang diagnostic push") _Pragma("clang diagnostic ignored \"-Wimplicit-fallthrough\"")
#define AKOOL_DETAIL_CORO_WARNINGS_POP _Pragma("clang diagnostic pop")
#else
#define AKOOL_DETAIL_CORO_WARNINGS_PUSH
#define AKOOL_DETAIL_CORO_WARNINGS_POP
#endif

#endif
