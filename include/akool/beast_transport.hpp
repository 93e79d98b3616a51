// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_BEAST_TRANSPORT_HPP
#define AKOOL_BEAST_TRANSPORT_HPP

/// @file beast_transport.hpp
/// The default transport: HTTP/1.1 over Boost.Beast's own parts (an Asio TCP socket, under
/// Asio's `ssl::stream` for https, with one timer per operation; requests serialized by
/// the header fields' own writer (`basic_fields::writer`, the part `http::serializer` uses for
/// a header) and written with `net::async_write`;
/// `http::response_parser<buffer_body>` with a body limit, read piece by piece with
/// `http::async_read_some`: a request's body sink gets each piece of at most 64 KiB), TLS
/// through OpenSSL. `akool::client` (beast_client.hpp) is the client over it.
///
/// - TLS: peer verification on by default against the system store (or `ca_file`, or your
///   own `ssl_context`); SNI and host name (or IP address) checks on every connection. The
///   TLS context is built once per transport, on first https use, never per request.
/// - Keep-alive: idle connections are kept per scheme, host and port and reused, other hosts
///   included (result images live on a CDN), up to `max_idle_per_host` each and
///   `max_idle_total` per pool (async_send's, each blocking lane's; the one idle longest
///   closed first). A connection is kept only
///   when its reply leaves it clean HTTP/1.1: not after `Connection: close` in any Connection field, a body the
///   close ended, a 101, a 204 or 304 that declares a body, or an HTTP/1.0 reply with a
///   Transfer-Encoding. An idle connection the server
///   has closed, that holds bytes past the last reply (nothing the next request asked for),
///   or idle past `max_idle_time`, is not reused; if a reused connection still fails before
///   any reply byte, a
///   replay-safe request (GET) is resent once on a new connection, and any other (a create)
///   is reported with `maybe_sent` set, never resent.
/// - Timeouts on name resolution, connect, TLS handshake and the whole exchange (writing the
///   request and reading the full reply); no wait without one. A request's own timeout bounds
///   all of them together, a resend included. A transfer coding other than chunked is
///   refused (`http::error::bad_transfer_encoding`). A reply body size limit, and
///   256 KiB for what is buffered beyond it (a chunk extension or a trailer that never ends
///   fails as `error::response_too_large`); a status below 100 is refused, and so is a
///   ninth interim (1xx) reply before the final one (`http::error::bad_status`, "more than 8
///   interim (1xx) replies"). CR, LF or NUL in a header (the User-Agent option's too), or a
///   header over 65,533 bytes, is refused before anything is sent. A host name's final dot
///   ("example.com.") is left out of SNI and the certificate's name check.
/// - No thread of its own (but Asio's resolver thread, started by a host name's first lookup)
///   and no busy wait. `async_send` runs on the transport's executor.
///   The blocking `send` (the client's synchronous forms) runs the same operation on the
///   calling thread over a private io_context of the transport (one per concurrent caller,
///   each with its own keep-alive connections); it never runs the user's io_context.
/// Copies of a transport share its connection pools. `async_send`, `send` and the pool
/// queries may be called from several threads at once; one operation's handlers run on its
/// own executor.
///
/// The internals: detail/beast_connection.hpp (a connection, the keep-alive pools, a blocking
/// send's lane and deadline, the state copies share) and detail/beast_send_op.hpp (the one
/// exchange both sends run, and the handler type it is compiled for).

#include <akool/detail/needs_exceptions.hpp> // first: without exceptions, its message comes before any other
#include <akool/beast_transport_options.hpp>
#include <akool/config.hpp>
#include <akool/error.hpp>
#include <akool/transport.hpp>
#include <akool/detail/beast_send_op.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/io_context.hpp>

#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>

namespace akool {

namespace detail {
// async_send's initiation: the exchange, its handler erased (one operation type per executor).
template <class Executor>
struct beast_send_initiation {
    template <class Handler>
    void operator()(Handler handler, const std::shared_ptr<beast_transport_state<Executor>>& st,
                    http_request&& r) const
    {
        erased_send_handler h(std::move(handler), st->ex);
        boost::asio::async_compose<erased_send_handler, void(error_code, http_response)>(
            beast_send_op<Executor, Executor>(st, st->pool, st->ex, std::move(r)), h, st->ex);
    }
};
} // namespace detail

/// The Beast transport over executor type `Executor` (an io_context's by default).
template <class Executor = boost::asio::io_context::executor_type>
class basic_beast_transport {
public:
    /// The executor of `async_send`'s operations (and the default one of their handlers).
    using executor_type = Executor;

    /// A transport whose asynchronous exchanges run on `ex`.
    explicit basic_beast_transport(const Executor& ex, beast_transport_options opts = {})
        : st_(std::make_shared<detail::beast_transport_state<Executor>>(ex, std::move(opts)))
    {
    }

    /// The executor given at construction.
    executor_type get_executor() const noexcept { return st_->ex; }
    /// The options given at construction.
    const beast_transport_options& options() const noexcept { return st_->opts; }

    /// Sends `req` and reads the whole reply, over an idle kept-alive connection to its host
    /// when there is one, else a new connection (resolve, connect, TLS handshake).
    ///
    /// @param req the request; an absolute http(s) URL.
    /// @param token an Asio completion token.
    /// @par Handler signature
    /// `void(error_code, http_response)`. On failure `maybe_sent` tells whether any byte
    /// may have reached the server and `failure_detail` names the step.
    /// @par Executor
    /// The handler runs through its associated executor, by default this transport's, never
    /// inside this call: a request refused before any I/O (not an absolute http(s) URL; a
    /// header name or value that is empty, holds CR, LF or NUL or is over 65,533 bytes; a host
    /// over 255 bytes) completes through a post.
    /// @par Per-operation cancellation
    /// Terminal, partial and total cancellation on the handler's slot reach the step under
    /// way, each as terminal (name resolution, connect, handshake, write, read), or, when it
    /// comes between two steps, end the exchange before the next one starts; the exchange
    /// then completes with `asio::error::operation_aborted`
    /// (`maybe_sent` set once the request may have left) and its connection is closed, not
    /// reused. The client keeps a create's exchange to terminal cancellation.
    /// @par Object lifetimes
    /// `req` is taken over. The operation shares the transport's state (a shared pointer), so
    /// this object may go before the handler runs; its executor's context must not.
    template <class CompletionToken>
    auto async_send(http_request&& req, CompletionToken&& token)
        // Named, not deduced: a check of the transport concept (basic_client) then learns
        // the type without compiling the whole exchange in every TU that holds a client.
        -> decltype(boost::asio::async_initiate<CompletionToken, void(error_code, http_response)>(
            detail::beast_send_initiation<Executor>{}, token,
            std::declval<std::shared_ptr<detail::beast_transport_state<Executor>>&>(), std::move(req)))
    {
        return boost::asio::async_initiate<CompletionToken, void(error_code, http_response)>(
            detail::beast_send_initiation<Executor>{}, token, st_, std::move(req));
    }

    /// Sends `req` and reads the whole reply on the calling thread, with the same timeouts,
    /// errors and `maybe_sent` rules as `async_send`. It runs a private io_context of this
    /// transport (one per concurrent caller, with its own kept-alive connections) on the
    /// calling thread, never this transport's executor; `req` is only read.
    void send(const http_request& req, http_response& out, error_code& ec)
    {
        auto lane = st_->take_lane();
        using lane_executor = boost::asio::any_io_executor;
        bool done = false;
        auto on_done = [&](error_code e, http_response r) {
            ec = e;
            out = std::move(r);
            done = true;
        };
        // Started here, on the calling thread, rather than posted to the private io_context: a
        // post would cost one more turn of its event loop (a system call) per exchange and
        // one heap allocation, as many as the operation's own state saves from Asio's
        // per-thread cache by starting inside it.
        // The lane's executor as an any_io_executor: for akool::client's transport
        // (Executor = any_io_executor) the operation is then the very type async_send runs, so
        // a TU or a library with both forms compiles it once.
        lane->ioc.restart();
        {
            const lane_executor ex = lane->ioc.get_executor();
            detail::erased_send_handler h(on_done, ex);
            boost::asio::async_compose<detail::erased_send_handler, void(error_code, http_response)>(
                detail::beast_send_op<Executor, lane_executor>(st_, lane->pool, ex, req, &lane->deadline), h, ex);
        }
        // Runs the lane until the send is done, waiting no longer than the exchange's deadline;
        // when it passes, the exchange's socket operations are cancelled (they end in timeout).
        auto& deadline = lane->deadline;
        while (!done) {
            if (deadline.at == detail::lane_deadline::clock::time_point::max() || deadline.passed) {
                if (lane->ioc.run_one() == 0) break;
            } else {
                // The deadline is checked after every event, not only when none came before it:
                // a reply that keeps arriving must not outlast it.
                if (lane->ioc.run_one_until(deadline.at) == 0 && lane->ioc.stopped()) break;
                if (!done && detail::lane_deadline::clock::now() >= deadline.at) deadline.expire();
            }
        }
        deadline.clear();  // the one place it is cleared when the send ends (done or not)
        if (!done) {  // (not seen: the operation's work keeps the lane's io_context running)
            ec = boost::asio::error::shut_down;
            out = http_response{};
            out.maybe_sent = true;  // when it ended is unknown: a create is not sent again
        }
        st_->give_back_lane(std::move(lane));
    }

    /// Closes every idle connection, and frees the private io_contexts of `send` not in use.
    void close_idle()
    {
        st_->pool.sweep(std::chrono::milliseconds(0));
        st_->free_spare_lanes(std::chrono::milliseconds(0));
    }

    /// Idle keep-alive connections held now (both pools: `async_send`'s and `send`'s).
    std::size_t idle_connections() const
    {
        std::size_t n = st_->pool.size();
        std::lock_guard<std::mutex> lock(st_->mtx);
        for (auto& l : st_->lanes) n += l->pool.size();
        return n;
    }

    /// Connections opened since construction (a new connection per request means no reuse).
    std::size_t connections_opened() const { return st_->opened; }

private:
    std::shared_ptr<detail::beast_transport_state<Executor>> st_;
};

/// The Beast transport on an io_context.
using beast_transport = basic_beast_transport<>;

} // namespace akool

#endif
