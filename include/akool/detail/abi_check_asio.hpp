// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_ABI_CHECK_ASIO_HPP
#define AKOOL_DETAIL_ABI_CHECK_ASIO_HPP

// abi_check.hpp's check for a TU that shares Asio's types with the compiled library
// (beast_client.hpp in compiled mode): Asio's exceptions (detail::thread_info_base), type ids
// (RTTI: any_io_executor's target type; a -fno-rtti TU crashed), threads (its mutexes and
// per-thread state), handler tracking, and its reactor (io_uring, epoll) change the layout
// of what both sides touch (helper-24: crashes and hangs, each with a clean link before).

#include <akool/detail/abi_check.hpp>

#include <boost/asio/detail/config.hpp>

#if defined(BOOST_ASIO_NO_EXCEPTIONS)
#define AKOOL_ABI_ASIO_EXCEPTIONS(X) X(asio_exceptions_off)
#else
#define AKOOL_ABI_ASIO_EXCEPTIONS(X) X(asio_exceptions_on)
#endif
#if defined(BOOST_ASIO_NO_TYPEID)
#define AKOOL_ABI_ASIO_RTTI(X) X(asio_rtti_off)
#else
#define AKOOL_ABI_ASIO_RTTI(X) X(asio_rtti_on)
#endif
#if defined(BOOST_ASIO_HAS_THREADS)
#define AKOOL_ABI_ASIO_THREADS(X) X(asio_threads_on)
#else
#define AKOOL_ABI_ASIO_THREADS(X) X(asio_threads_off)
#endif
#if defined(BOOST_ASIO_ENABLE_HANDLER_TRACKING)
#define AKOOL_ABI_ASIO_TRACKING(X) X(asio_handler_tracking_on)
#else
#define AKOOL_ABI_ASIO_TRACKING(X) X(asio_handler_tracking_off)
#endif
#if defined(BOOST_ASIO_HAS_IO_URING)
#define AKOOL_ABI_ASIO_IO_URING(X) X(asio_io_uring_on)
#else
#define AKOOL_ABI_ASIO_IO_URING(X) X(asio_io_uring_off)
#endif
#if defined(BOOST_ASIO_HAS_EPOLL)
#define AKOOL_ABI_ASIO_EPOLL(X) X(asio_epoll_on)
#else
#define AKOOL_ABI_ASIO_EPOLL(X) X(asio_epoll_off)
#endif

#define AKOOL_ABI_ASIO(X)                                                                        \
    AKOOL_ABI_ASIO_EXCEPTIONS(X) AKOOL_ABI_ASIO_RTTI(X) AKOOL_ABI_ASIO_THREADS(X)                \
    AKOOL_ABI_ASIO_TRACKING(X) AKOOL_ABI_ASIO_IO_URING(X) AKOOL_ABI_ASIO_EPOLL(X)

#if defined(AKOOL_ABI_CHECKED)
AKOOL_ABI_ASIO(AKOOL_ABI_REFER)
#endif

#endif
