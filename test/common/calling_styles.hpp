// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_TEST_CALLING_STYLES_HPP
#define AKOOL_TEST_CALLING_STYLES_HPP

// Runs one client operation in each calling style, so a single test body covers them all:
// sync with error_code, sync throwing, callback, use_future, deferred, and (C++20) a
// coroutine with use_awaitable.

#include <akool/diagnostics.hpp>
#include <akool/error.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#if defined(BOOST_ASIO_HAS_CO_AWAIT)
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#endif

#include <ostream>
#include <tuple>
#include <vector>

namespace akool {
// Lets BOOST_TEST print `ec == akool::error::x` comparisons.
inline std::ostream& boost_test_print_type(std::ostream& os, error e)
{
    return os << "akool::error(" << static_cast<int>(e) << ")";
}
inline std::ostream& boost_test_print_type(std::ostream& os, image_status s)
{
    return os << "image_status(" << static_cast<int>(s) << ")";
}
} // namespace akool

namespace akool_test {

enum class style { sync_ec, sync_throw, callback, future, deferred, coroutine };

inline std::ostream& operator<<(std::ostream& os, style s)
{
    const char* names[] = {"sync_ec", "sync_throw", "callback", "future", "deferred", "coroutine"};
    return os << names[static_cast<int>(s)];
}

inline std::vector<style> all_styles()
{
    std::vector<style> v{style::sync_ec, style::sync_throw, style::callback, style::future, style::deferred};
#if defined(BOOST_ASIO_HAS_CO_AWAIT)
    v.push_back(style::coroutine);
#endif
    return v;
}

// `async_op(token)` starts the operation with a completion token; `sync_ec(ec)` and
// `sync_throw()` are the synchronous forms. Returns (error_code, result). The throwing
// form's exception is caught and turned back into its error_code (and its diagnostics are
// copied into `diag`), so the caller asserts the same things for every style.
template <class R, class AsyncOp, class SyncEc, class SyncThrow>
std::tuple<akool::error_code, R> run(style s, boost::asio::io_context& ioc, akool::diagnostics& diag,
                                     AsyncOp&& async_op, SyncEc&& sync_ec, SyncThrow&& sync_throw)
{
    akool::error_code ec;
    R out{};
    ioc.restart();
    switch (s) {
    case style::sync_ec:
        out = sync_ec(ec);
        break;
    case style::sync_throw:
        try {
            out = sync_throw();
        } catch (const akool::error_with_diagnostics& e) {
            ec = e.code();
            diag = e.get_diagnostics();
        }
        break;
    case style::callback:
        async_op([&](akool::error_code e, R r) {
            ec = e;
            out = std::move(r);
        });
        ioc.run();
        break;
    case style::future: {
        auto f = async_op(boost::asio::use_future);
        ioc.run();
        try {
            out = f.get();
        } catch (const boost::system::system_error& e) {
            ec = e.code();
        }
        break;
    }
    case style::deferred: {
        auto op = async_op(boost::asio::deferred);
        std::move(op)([&](akool::error_code e, R r) {
            ec = e;
            out = std::move(r);
        });
        ioc.run();
        break;
    }
    case style::coroutine:
#if defined(BOOST_ASIO_HAS_CO_AWAIT)
        boost::asio::co_spawn(
            ioc,
            [&]() -> boost::asio::awaitable<void> {
                auto [e, r] = co_await async_op(boost::asio::as_tuple(boost::asio::use_awaitable));
                ec = e;
                out = std::move(r);
            },
            boost::asio::detached);
        ioc.run();
#endif
        break;
    }
    return {ec, std::move(out)};
}

// Like `run`, for the asynchronous styles only, with the operation bound to `slot` so that
// the test can cancel it: each style binds the slot where that style allows it.
template <class R, class AsyncOp>
std::tuple<akool::error_code, R> run_cancellable(style s, boost::asio::io_context& ioc, boost::asio::cancellation_slot slot,
                                                 AsyncOp&& async_op)
{
    namespace net = boost::asio;
    akool::error_code ec;
    R out{};
    ioc.restart();
    auto handler = [&](akool::error_code e, R r) {
        ec = e;
        out = std::move(r);
    };
    switch (s) {
    case style::callback:
        async_op(net::bind_cancellation_slot(slot, handler));
        ioc.run();
        break;
    case style::future: {
        auto f = async_op(net::bind_cancellation_slot(slot, net::use_future));
        ioc.run();
        try {
            out = f.get();
        } catch (const boost::system::system_error& e) {
            ec = e.code();
        }
        break;
    }
    case style::deferred: {
        auto op = async_op(net::deferred);
        std::move(op)(net::bind_cancellation_slot(slot, handler));
        ioc.run();
        break;
    }
    case style::coroutine:
#if defined(BOOST_ASIO_HAS_CO_AWAIT)
        // The coroutine's own cancellation slot reaches the awaited operation.
        net::co_spawn(
            ioc,
            [&]() -> net::awaitable<void> {
                auto [e, r] = co_await async_op(net::as_tuple(net::use_awaitable));
                ec = e;
                out = std::move(r);
            },
            net::bind_cancellation_slot(slot, net::detached));
        ioc.run();
#endif
        break;
    default:
        break;
    }
    return {ec, std::move(out)};
}

} // namespace akool_test

#endif
