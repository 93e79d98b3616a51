// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_WARNINGS_HPP
#define AKOOL_DETAIL_WARNINGS_HPP

// The warnings the headers silence, each around the code that draws it and nowhere else, so
// that a user's strict build (test/standalone/strict_warnings.sh) sees none from them.
// Standard preprocessor only: included by core and Asio code alike.
//
// CORO: around a composed operation written as Asio's stackless coroutine
// (BOOST_ASIO_CORO_REENTER): the coroutine is a switch whose case labels fall through by
// design, which clang++'s -Wimplicit-fallthrough reports (g++ does not).
// CATEGORY: around a class derived from boost::system::error_category, whose destructor is
// protected and not virtual by design; g++'s -Wnon-virtual-dtor still reports it in a user's
// build (Boost's own categories are quiet only as system headers). Such classes are final:
// nothing is deleted through a base pointer.

#if defined(__clang__)
#define AKOOL_DETAIL_CORO_WARNINGS_PUSH \
    _Pragma("clang diagnostic push") _Pragma("clang diagnostic ignored \"-Wimplicit-fallthrough\"")
#define AKOOL_DETAIL_CORO_WARNINGS_POP _Pragma("clang diagnostic pop")
#else
#define AKOOL_DETAIL_CORO_WARNINGS_PUSH
#define AKOOL_DETAIL_CORO_WARNINGS_POP
#endif

#if defined(__GNUC__) && !defined(__clang__)
#define AKOOL_DETAIL_CATEGORY_WARNINGS_PUSH \
    _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wnon-virtual-dtor\"")
#define AKOOL_DETAIL_CATEGORY_WARNINGS_POP _Pragma("GCC diagnostic pop")
#else
#define AKOOL_DETAIL_CATEGORY_WARNINGS_PUSH
#define AKOOL_DETAIL_CATEGORY_WARNINGS_POP
#endif

#endif
