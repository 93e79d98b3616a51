// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_BEAST_SEND_OP_HPP
#define AKOOL_DETAIL_BEAST_SEND_OP_HPP

// The Beast transport's one exchange (beast_transport.hpp), as an Asio composed operation
// that both `async_send` and the blocking `send` run, and the one handler type it is compiled
// for. What it runs over (connections, pools, lanes, the shared state): beast_connection.hpp.

#include <akool/detail/warnings.hpp>
#include <akool/detail/address_policy.hpp>
#include <akool/detail/beast_connection.hpp>
#include <akool/detail/proxy.hpp>
#include <akool/detail/string_room.hpp>
#include <akool/detail/url.hpp>
#include <akool/detail/time_after.hpp>
#include <akool/detail/was_cancelled.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/coroutine.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/basic_resolver.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/recycling_allocator.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/none.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace akool {
namespace detail {

// A cancellation filter that passes any type on as terminal.
struct cancel_as_terminal {
    net::cancellation_type_t operator()(net::cancellation_type_t t) const noexcept
    {
        return t == net::cancellation_type::none ? t : net::cancellation_type::terminal;
    }
};

// One exchange on a connection of `Executor` (the transport's, or a blocking lane's): take
// or open a connection (resolve, connect, TLS handshake, each with its timeout), write the
// request, read the reply within the exchange timeout, give the connection back.
AKOOL_DETAIL_CORO_WARNINGS_PUSH
template <class TransportExecutor, class Executor>
class beast_send_op : net::coroutine {
    using connection = beast_connection<Executor>;
    using timer_type =
        net::basic_waitable_timer<std::chrono::steady_clock, net::wait_traits<std::chrono::steady_clock>, Executor>;

    struct op_state {
        std::shared_ptr<beast_transport_state<TransportExecutor>> transport;
        connection_pool<Executor>* pool;
        Executor ex;
        std::optional<http_request> owned;  // set when the request was handed over by value
        const http_request* req;            // *owned, or the caller's
        url_parts url;
        std::string key;
        std::string wire;        // the request as sent: Beast's serialization of the header, then the body
        std::size_t written = 0; // bytes of `wire` already written
        // The parser's header fields, declared before the parser so that they outlive it.
        exchange_arena arena;
        // Beast's parser with a buffer_body: the body is read piece by piece into `body` (at
        // most `sink_room` bytes at a time when the request has a body sink, which then gets
        // each piece; the whole body otherwise).
        std::optional<http::response_parser<http::buffer_body, arena_allocator>> parser;
        std::string body;
        std::size_t body_used = 0;
        std::unique_ptr<connection> conn;
        // The lookup of `hop_host`: the operation waits on the step timer while it runs, and
        // its end wakes it (as a connect attempt's does), so that the resolve timeout and a
        // cancellation end the step at once. The system's lookup cannot be stopped: one that
        // outlasts the step is abandoned, its answer dropped when it comes (`resolve_gen`).
        std::optional<net::ip::basic_resolver<tcp, Executor>> resolver;
        unsigned resolve_gen = 0;
        bool resolve_done = false;
        error_code resolve_ec;
        // The deadline of the step under way (connect, tunnel, TLS handshake, and the exchange
        // of an async_send): when it passes, the socket is closed and the step ends in
        // beast::error::timeout. `timer_gen` tells an expiry of the step's own arming from a
        // stale one (the step ended as it expired).
        std::optional<timer_type> timer;
        unsigned timer_gen = 0;
        bool timed_out = false;
        // The exchange's deadline (an async_send's; a blocking send's is its lane's), and the
        // time the reply's body has earned since it was last moved (min_body_rate).
        std::chrono::steady_clock::time_point exchange_deadline{};
        std::chrono::nanoseconds body_credit{0};
        net::ip::basic_resolver_results<tcp> resolved;
        bool resolved_given = false;  // `resolved` came without the resolver
        // The connect (Happy Eyeballs): the attempts under way or ended, each on its own
        // socket; the next address to try, and when; the connect timeout's end; the last
        // attempt's failure. `connect_gen` tells an attempt's completion from a stale one (the
        // connect ended, its sockets are gone).
        struct connect_attempt {
            explicit connect_attempt(const Executor& e) : socket(e) {}
            typename connection::stream_type socket;
            bool done = false;
            error_code ec;
        };
        std::vector<std::unique_ptr<connect_attempt>> attempts;
        unsigned connect_gen = 0;
        net::ip::basic_resolver_results<tcp>::const_iterator next_address;
        std::chrono::steady_clock::time_point next_attempt_at{}, connect_until{};
        error_code connect_ec;
        bool reused = false, resent = false;
        bool cut_short = false;  // a download's other reply, its start read: the rest is not (closed)
        bool length_told = false;  // the body sink was told the Content-Length (or that there is none)
        bool header_checked = false;  // the reply's header was checked (only_chunked_coding)
        std::optional<std::size_t> eof_body_left;  // a body that ends at the close: bytes it may still have
        int interim_replies = 0;   // 1xx replies read before the reply
        lane_deadline* deadline = nullptr;  // a blocking send's (its lane's), else none
        std::chrono::steady_clock::time_point request_until{};  // the request's timeout's end, when it has one
        std::optional<proxy_parts> proxy;  // set when the request goes through a proxy
        std::string hop_host;              // where the connection goes: the origin, or the proxy
        std::uint16_t hop_port = 0;
        std::string tunnel_wire;  // the CONNECT of a tunnel through the proxy (https), as sent
        error_code refused;           // a request refused before any I/O
        std::string refused_detail;

        op_state(std::shared_ptr<beast_transport_state<TransportExecutor>> t, connection_pool<Executor>* p,
                 const Executor& e, const http_request& r)
            : transport(std::move(t)), pool(p), ex(e), req(&r)
        {
        }
        op_state(std::shared_ptr<beast_transport_state<TransportExecutor>> t, connection_pool<Executor>* p,
                 const Executor& e, http_request&& r)
            : transport(std::move(t)), pool(p), ex(e), owned(std::move(r)), req(&*owned)
        {
        }
    };
    std::shared_ptr<op_state> st_;

public:
    // `req` must stay alive until the operation completes.
    // `deadline`: a blocking send's lane deadline, which then replaces the operation's timer
    // for the exchange (the one who runs the lane's io_context keeps to it).
    beast_send_op(std::shared_ptr<beast_transport_state<TransportExecutor>> t, connection_pool<Executor>& pool,
                  const Executor& ex, const http_request& req, lane_deadline* deadline = nullptr)
        : st_(std::make_shared<op_state>(std::move(t), &pool, ex, req))
    {
        st_->deadline = deadline;
    }
    // The operation owns `req`.
    beast_send_op(std::shared_ptr<beast_transport_state<TransportExecutor>> t, connection_pool<Executor>& pool,
                  const Executor& ex, http_request&& req)
        : st_(std::make_shared<op_state>(std::move(t), &pool, ex, std::move(req)))
    {
    }

    template <class Self>
    void operator()(Self& self, error_code ec = {}, std::size_t = 0)
    {
        step(self, ec);
    }

private:
    // A step's timeout, within what is left of the request's timeout (it bounds the whole
    // exchange: resolve, connect, TLS, a resend on a new connection, the reply).
    std::chrono::milliseconds clamp(std::chrono::milliseconds step) const noexcept
    {
        if (st_->req->timeout.count() <= 0) return step;
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(st_->request_until - std::chrono::steady_clock::now());
        return clamp_timeout(step, std::max(left, std::chrono::milliseconds(1)));
    }

    template <class Self>
    void fail(Self& self, error_code ec, std::string detail, bool maybe_sent)
    {
        auto& st = *st_;
        disarm();
        if (st.deadline) st.deadline->drop_socket();
        if (st.conn) st.conn->close();
        st.conn.reset();
        st.parser.reset();
        if (ec == beast::error::timeout) ec = make_error_code(error::timeout);
        if (ec == http::error::body_limit || ec == http::error::buffer_overflow)
            ec = make_error_code(error::response_too_large);
        http_response r;
        r.maybe_sent = maybe_sent;
        r.failure_detail = std::move(detail);
        self.complete(ec, std::move(r));
    }

    template <class Self>
    void step(Self& self, error_code ec)
    {
        auto& st = *st_;
        if (st.deadline) st.deadline->map(ec);
        if (st.timed_out) ec = beast::error::timeout;  // even if the step's own completion came first
        auto& opts = st.transport->opts;
        BOOST_ASIO_CORO_REENTER(this)
        {
            // Every type reaches the step under way, as terminal: Beast's composed reads
            // (http::async_read_some) take terminal cancellation only, and an exchange cut
            // short is never resumed (its connection is closed). The client keeps a create's
            // send to terminal cancellation (its filter), as a create may not be sent twice.
            self.reset_cancellation_state(net::enable_total_cancellation(), cancel_as_terminal{});
            if (st.req->timeout.count() > 0) st.request_until = from_now(st.req->timeout);
            if (url_refusal refusal{}; !parse_http_url(st.req->url, st.url, &refusal)) {
                st.refused = make_error_code(error::invalid_url);
                st.refused_detail = "the URL";
                append_url_refusal(st.refused_detail, st.req->url, refusal);
            } else if (const char* why = refused_headers(*st.req, opts.user_agent)) {
                st.refused = make_error_code(boost::system::errc::invalid_argument);
                st.refused_detail = why;
            } else if (st.url.host.size() > 255) {  // longer than any DNS name; Host would throw past 65,533
                st.refused = make_error_code(error::invalid_url);
                st.refused_detail = "the URL's host is longer than 255 bytes";
            }
            if (!st.refused) choose_proxy();
            if (!st.refused && st.req->public_address_only && names_a_private_host(st.url.host)) {
                // What the URL says itself (all that can be checked through a proxy, which
                // resolves the name): a local name, an address in any form, a percent escape.
                st.refused = make_error_code(error::address_not_allowed);
                st.refused_detail = not_public_message(st.url.host);
            }
            if (st.refused) {
                // Never complete inside async_send (the concept's rule): the handler runs after
                // this call has returned.
                BOOST_ASIO_CORO_YIELD net::post(st.ex, std::move(self));
                return fail(self, st.refused, std::move(st.refused_detail), false);
            }
            st.key = (st.url.tls ? "s|" : "p|") + st.url.host + "|" + std::to_string(st.url.port);
            if (st.proxy)  // a tunnel serves one origin; a plain proxy connection serves any
                st.key = (st.url.tls ? "S|" + st.url.host + "|" + std::to_string(st.url.port) + "|" : "P|") +
                         st.proxy->host + "|" + std::to_string(st.proxy->port);
            if (st.req->public_address_only) st.key.insert(0, "!");  // its connections were checked
            build_message();
            st.transport->sweep_idle(*st.pool);
            st.conn = st.pool->take(st.key);
            st.reused = st.conn != nullptr;
            for (;;) {
                if (!st.conn) {
                    {
                        std::string detail;
                        if (!open_connection(ec, detail)) return fail(self, ec, std::move(detail), false);
                    }
                    {
                        std::string detail;
                        addresses_without_resolver(ec, detail);
                        if (ec) return fail(self, ec, std::move(detail), false);
                    }
                    if (!st.resolved_given) {
#if !defined(BOOST_ASIO_HAS_THREADS)
                        // Asio's resolver runs on a thread of its own: without threads
                        // (BOOST_ASIO_DISABLE_THREADS) starting it throws, past the error_code.
                        return fail(self, make_error_code(boost::system::errc::operation_not_supported),
                                    "cannot resolve " + st.hop_host +
                                        ": Asio is built without threads (BOOST_ASIO_DISABLE_THREADS) and its "
                                        "resolver needs one; use an IP address or beast_transport_options::resolve",
                                    false);
#endif
                        start_resolve();
                        // Until the lookup ends (it cancels the wait), the resolve timeout
                        // passes, or the operation is cancelled.
                        BOOST_ASIO_CORO_YIELD st.timer->async_wait(std::move(self));
                        ++st.resolve_gen;  // an answer still to come is dropped
                        st.resolver.reset();
                        if (!st.resolve_done) {
                            if (ec == net::error::operation_aborted)
                                return fail(self, ec, "cancelled while resolving " + st.hop_host, false);
                            return fail(self, make_error_code(error::timeout), "timed out resolving " + st.hop_host,
                                        false);
                        }
                        if (st.resolve_ec)
                            return fail(self, st.resolve_ec,
                                        "cannot resolve " + st.hop_host + ": " + st.resolve_ec.message(), false);
                        ec = {};  // the wake-up's operation_aborted
                        // A cancellation that came as the lookup ended.
                        if (was_cancelled(self))
                            return fail(self, net::error::operation_aborted,
                                        "cancelled while resolving " + st.hop_host, false);
                        st.resolved = interleave_families(st.resolved);
                    }
                    {
                        std::string detail;
                        if (!keep_public_addresses(ec, detail)) return fail(self, ec, std::move(detail), false);
                    }
                    // The attempts end on the executor while the connect waits on the timer:
                    // an operation started on a thread not running it (a use_future caller's)
                    // moves there first, else an attempt could end before its wait is set up
                    // (a lost wake-up, and a data race). Inline when already there.
                    BOOST_ASIO_CORO_YIELD net::dispatch(net::bind_executor(st.ex, std::move(self)));
                    // The addresses in turn, each attempt going on while the next starts
                    // (Happy Eyeballs, RFC 8305): the first connection made is used.
                    begin_connect();
                    for (;;) {
                        {
                            std::string detail;
                            const connect_step next = connect_next(was_cancelled(self), ec, detail);
                            if (next == connect_step::failed) return fail(self, ec, std::move(detail), false);
                            if (next == connect_step::connected) {
                                ec = {};  // the wake-up's operation_aborted
                                break;
                            }
                        }
                        // Until the next attempt is due, or an attempt ends (it cancels the wait).
                        BOOST_ASIO_CORO_YIELD st.timer->async_wait(std::move(self));
                    }
                    {
                        error_code ignored;
                        st.conn->lowest().set_option(tcp::no_delay(true), ignored);
                        // Synchronous calls on the socket fail instead of waiting (write_now);
                        // asynchronous operations are not affected.
                        st.conn->lowest().non_blocking(true, ignored);
                    }
                    st.transport->opened++;
                    // A cancellation that came as the connect ended is caught before the next
                    // step: the tunnel, the TLS handshake or the request's write (one check each).
                    if (st.proxy && st.conn->secure) {
                        if (was_cancelled(self))
                            return fail(self, net::error::operation_aborted,
                                        "cancelled before the tunnel through " + st.hop_host, false);
                        // The tunnel: CONNECT host:port, then TLS with the origin through it.
                        // Written and read with the exchange's own operations and parser type
                        // (http::async_write and http::async_read of Beast's default messages
                        // were over a quarter of a client TU's object code).
                        make_tunnel_request();
                        arm(clamp(opts.handshake_timeout));
                        BOOST_ASIO_CORO_YIELD net::async_write(
                            st.conn->lowest(), net::mutable_buffer(&st.tunnel_wire[0], st.tunnel_wire.size()),
                            std::move(self));
                        if (!ec) {
                            st.parser.emplace(std::piecewise_construct, std::make_tuple(),
                                              std::make_tuple(st.arena.allocator()));
                            st.parser->skip(true);  // a 2xx to CONNECT has no body: the tunnel follows
                            do {
                                BOOST_ASIO_CORO_YIELD http::async_read_some(st.conn->lowest(), st.conn->buffer,
                                                                            *st.parser, std::move(self));
                            } while (!ec && !st.parser->is_done());
                        }
                        {
                            std::string detail;
                            if (!tunnel_established(ec, detail)) return fail(self, ec, std::move(detail), false);
                        }
                    }
                    if (st.conn->secure) {
                        if (was_cancelled(self))  // as the connect or the tunnel ended
                            return fail(self, net::error::operation_aborted,
                                        "cancelled before the TLS handshake with " + url_authority(st.url), false);
                        arm(clamp(opts.handshake_timeout));
                        BOOST_ASIO_CORO_YIELD st.conn->secure->async_handshake(net::ssl::stream_base::client,
                                                                               std::move(self));
                        if (ec == beast::error::timeout)
                            return fail(self, make_error_code(error::timeout),
                                        "TLS with " + url_authority(st.url) + ": handshake timed out", false);
                        if (ec)
                            return fail(self, ec,
                                        "TLS with " + url_authority(st.url) + ": " +
                                            tls_failure_detail(st.conn->secure->native_handle(), ec),
                                        false);
                    }
                }

                if (was_cancelled(self))  // as the TLS handshake or the connect ended
                    return fail(self, net::error::operation_aborted,
                                "cancelled before the request was sent to " + url_authority(st.url), false);
                // One deadline for writing the request and reading the whole reply: the
                // operation's timer (armed after write_now, which does not wait), or a
                // blocking send's lane's.
                if (st.deadline) {
                    disarm();
                    st.deadline->set(clamp(opts.request_timeout), st.conn->lowest());
                }
                st.written = 0;
                st.body_credit = {};
                ec = {};
                write_now(ec);
                if (!st.deadline) {
                    st.exchange_deadline = from_now(clamp(opts.request_timeout));
                    arm_until(st.exchange_deadline);
                }
                if (!ec && st.written < st.wire.size()) {
                    BOOST_ASIO_CORO_YIELD {
                        auto rest = net::buffer(st.wire) + st.written;
                        if (st.conn->secure)
                            net::async_write(*st.conn->secure, rest, std::move(self));
                        else
                            net::async_write(*st.conn->plain, rest, std::move(self));
                    }
                }
                st.interim_replies = 0;
                while (!ec) {
                    st.parser.emplace(std::piecewise_construct, std::make_tuple(),
                                      std::make_tuple(st.arena.allocator()));
                    st.length_told = false;
                    st.header_checked = false;
                    st.eof_body_left.reset();
                    // A download's limit is its 200 reply's, set with the header below: any other
                    // reply (a redirect, an error) keeps sink_room bytes of its body, whatever
                    // length it declares (take_body_piece).
                    if (st.req->body_sink)
                        st.parser->body_limit(boost::none);
                    else
                        st.parser->body_limit(body_limit());
                    st.body_used = 0;
                    // Beast's incremental body read: read_some into the buffer_body's room
                    // until the message is done (need_buffer: the room is full).
                    do {
                        make_room();
                        if (!parse_buffered(ec)) {
                            if (was_cancelled(self)) {  // between two reads: a body's bytes kept coming
                                ec = net::error::operation_aborted;
                            } else {
                                BOOST_ASIO_CORO_YIELD {
                                    if (st.conn->secure)
                                        http::async_read_some(*st.conn->secure, st.conn->buffer, *st.parser,
                                                              std::move(self));
                                    else
                                        http::async_read_some(*st.conn->plain, st.conn->buffer, *st.parser,
                                                              std::move(self));
                                }
                            }
                        }
                        if (ec == http::error::need_buffer) ec = {};
                        if (!ec && !st.header_checked && st.parser->is_header_done()) {
                            st.header_checked = true;
                            if (!only_chunked_coding(st.parser->get()))
                                return fail(self, make_error_code(http::error::bad_transfer_encoding),
                                            "exchange with " + url_authority(st.url) +
                                                ": the reply uses a transfer coding other than chunked, which the "
                                                "client does not ask for nor undo",
                                            true);
                            if (st.req->body_sink && st.parser->get().result_int() == 200) {
                                const auto length = st.parser->content_length();
                                if (length && *length > body_limit())
                                    ec = http::error::body_limit;  // refused before the sink gets any of it
                                else
                                    st.parser->body_limit(body_limit());  // a chunked body's chunks count
                            }
                            // A body that ends at the close: its limit is counted in
                            // take_body_piece. Beast 1.81 counts such a body's bytes against
                            // body_limit each time they are handed to the body, not once per
                            // byte taken (parse_body_to_eof), so with a room smaller than the
                            // bytes read a body well under the limit was refused.
                            if (!ec && !st.parser->chunked() && !st.parser->content_length()) {
                                st.eof_body_left = body_limit();
                                st.parser->body_limit(boost::none);
                            }
                        }
                        if (!ec && !take_body_piece(ec))
                            return fail(self, ec,
                                        "exchange with " + url_authority(st.url) + ": the body sink refused a chunk: " +
                                            ec.message(),
                                        true);
                    } while (!ec && !st.parser->is_done() && !st.cut_short);
                    // An interim reply (1xx but 101, which a server may send unasked, RFC 9110
                    // 15.2) is not the reply: read the next one, within the same deadline.
                    if (ec || !is_interim(st.parser->get().result_int())) break;
                    if (++st.interim_replies > 8) {
                        ec = make_error_code(http::error::bad_status);
                        return fail(self, ec,
                                    "exchange with " + url_authority(st.url) + ": more than 8 interim (1xx) replies",
                                    true);
                    }
                }
                if (!ec) break;
                if (ec == beast::error::timeout)
                    return fail(self, ec, "timed out waiting for the reply from " + url_authority(st.url), true);
                // A reused connection that the server closed before answering: the request
                // was not processed only if the server closed first, which we cannot know.
                // Resend only what is replay-safe, once, on a new connection.
                if (st.reused && !st.resent && st.req->replay_safe && closed_by_peer(ec) &&
                    !(st.parser && st.parser->got_some())) {
                    if (st.deadline) st.deadline->clear();
                    disarm();
                    st.conn->close();
                    st.conn.reset();
                    st.parser.reset();
                    st.reused = false;
                    st.resent = true;
                    continue;
                }
                return fail(self, ec, "exchange with " + url_authority(st.url) + ": " + ec.message(), true);
            }
            finish(self);
        }
    }

    static constexpr std::size_t sink_room = 64 * 1024;  // a download's buffer of body bytes

    // Parses the bytes the header's read left in the buffer (most often the whole body)
    // without a read: http::async_read_some would parse them too, but complete through a
    // post, one more turn of the event loop. False when a read is needed (nothing parsed, or
    // the parser needs more); true otherwise, with `ec` saying how the parse went.
    bool parse_buffered(error_code& ec)
    {
        auto& st = *st_;
        if (!st.parser->is_header_done() || st.conn->buffer.size() == 0) return false;
        ec = {};
        st.conn->buffer.consume(st.parser->put(st.conn->buffer.data(), ec));
        if (ec != http::error::need_more) return true;
        ec = {};
        return false;
    }

    // The largest reply body: the request's limit, else the transport's.
    std::size_t body_limit() const noexcept
    {
        const auto& st = *st_;
        return st.req->max_response_bytes ? st.req->max_response_bytes : st.transport->opts.max_response_bytes;
    }

    // Room in `body` after the bytes kept for the buffer_body to read into: none before the
    // header is parsed (the parser reads the header alone first), never more than a
    // Content-Length says is left, so that a small reply costs a small buffer. Without a body
    // sink the string grows by doubling, but never past the Content-Length or the body's
    // limit (the parser refuses a longer body before it needs the room): a body near its
    // limit does not hold twice its size.
    void make_room()
    {
        auto& st = *st_;
        auto& b = st.parser->get().body();
        if (b.size != 0 && b.data) return;  // room left from the last read
        if (!st.parser->is_header_done()) return;
        std::size_t room = st.req->body_sink ? sink_room : std::max<std::size_t>(16 * 1024, st.body_used);
        const auto left = st.parser->content_length_remaining();
        if (left) room = static_cast<std::size_t>(std::min<std::uint64_t>(room, *left));
        if (!st.req->body_sink) {
            // The longest the body can be: its Content-Length (the parser refused one past the
            // limit with the header), else the limit; at the limit, one byte to see the end.
            const std::size_t most = left ? st.body_used + static_cast<std::size_t>(*left)
                                          : std::max(body_limit(), st.body_used + 1);
            room = std::min(room, most - st.body_used);
            grow_within(st.body, st.body_used + room, most);
        }
        st.body.resize(st.body_used + room);
        b.data = &st.body[st.body_used];
        b.size = room;
    }

    // Counts what the last read put into `body`; with a body sink and a 200 reply, hands it
    // over. False when the sink refused it (`ec` set); true with `ec` set to
    // http::error::body_limit when a body that ends at the close passed its limit.
    bool take_body_piece(error_code& ec)
    {
        auto& st = *st_;
        auto& b = st.parser->get().body();
        std::size_t got = b.data ? static_cast<std::size_t>(static_cast<char*>(b.data) - &st.body[st.body_used]) : 0;
        if (st.eof_body_left) {
            if (got > *st.eof_body_left) {
                ec = http::error::body_limit;
                return true;
            }
            *st.eof_body_left -= got;
        }
        st.body_used += got;
        credit_body(got);
        if (b.size == 0) b.data = nullptr;  // full: make_room gives more
        if (!st.req->body_sink || !st.parser->is_header_done() || st.body_used == 0) return true;
        if (st.parser->get().result_int() != 200) {
            // Not the body the sink waits for (a redirect, an error): its start is kept for the
            // client (a Location, an API code), and the rest is not read (the connection is
            // closed): a download holds `sink_room` bytes whatever the reply, and a long or
            // trickling error body costs no time.
            if (st.body_used >= sink_room) {
                st.body_used = sink_room;
                b.data = nullptr;
                st.cut_short = true;
            }
            return true;
        }
        if (!st.length_told) {  // the reply's Content-Length, once, before the first chunk
            st.length_told = true;
            if (auto n = st.parser->content_length()) st.req->body_sink.announce_length(*n);
        }
        st.req->body_sink(std::string_view(st.body.data(), st.body_used), ec);
        st.body_used = 0;
        b.data = nullptr;  // the room starts again at the front
        return !ec;
    }

    // The request as a Beast message: Host and User-Agent unless the request sets its own;
    // Content-Length always the transport's (for a POST or a body). Beast serializes the
    // header once into `wire`, the body follows: the streams then only write one buffer
    // (http::async_write over both stream types cost a client TU 2 s of compile time).
    void build_message()
    {
        auto& st = *st_;
        http::request<http::empty_body, arena_fields> m(std::piecewise_construct, std::make_tuple(),
                                                        std::make_tuple(st.arena.allocator()));
        m.method(st.req->method == http_method::post ? http::verb::post : http::verb::get);
        // Through a proxy (not a tunnel), the absolute form: the proxy reads the origin from it.
        m.target(st.proxy && !st.url.tls ? "http://" + url_authority(st.url) + st.url.target : st.url.target);
        if (st.proxy && !st.url.tls && !st.proxy->authorization.empty())
            m.set(http::field::proxy_authorization, st.proxy->authorization);
        m.version(11);
        m.set(http::field::host, url_authority(st.url));
        if (!st.transport->opts.user_agent.empty()) m.set(http::field::user_agent, st.transport->opts.user_agent);
        for (auto& h : st.req->headers) {
            if (ascii_iequals(h.name, "content-length") || ascii_iequals(h.name, "transfer-encoding")) continue;
            if (ascii_iequals(h.name, "host") || ascii_iequals(h.name, "user-agent"))
                m.set(h.name, h.value);
            else
                m.insert(h.name, h.value);
        }
        if (st.req->method == http_method::post || !st.req->body.empty()) m.content_length(st.req->body.size());
        st.wire.clear();
        st.wire.reserve(1024 + st.req->body.size());  // one allocation for header and body
        serialize_header(m, st.wire);
        st.wire += st.req->body;
    }

    // Whether the request goes through a proxy (options `proxy`, `http_proxy`, `no_proxy`):
    // sets `proxy` and where to connect (`hop_host`, `hop_port`), or `refused` for a proxy
    // URL that cannot be used.
    void choose_proxy()
    {
        auto& st = *st_;
        auto& opts = st.transport->opts;
        st.hop_host = st.url.host;
        st.hop_port = st.url.port;
        const std::string& url = !st.url.tls && opts.http_proxy ? *opts.http_proxy : opts.proxy;
        if (url.empty() || no_proxy_matches(opts.no_proxy, st.url.host, st.url.port)) return;
        proxy_parts p;
        std::string why;
        if (!parse_proxy_url(url, p, why)) {
            st.refused = make_error_code(error::invalid_url);
            st.refused_detail = why;
            return;
        }
        if (p.authorization.size() > max_header_bytes) {  // Beast would throw (helper-46)
            st.refused = make_error_code(boost::system::errc::invalid_argument);
            st.refused_detail = "the proxy's user and password make a Proxy-Authorization header over 65,533 bytes";
            return;
        }
        st.hop_host = p.host;
        st.hop_port = p.port;
        st.proxy = std::move(p);
    }

    // The peer a connection goes to, for messages: "host:port", or "proxy host:port" (never
    // the proxy's user or password).
    std::string hop_name() const
    {
        auto& st = *st_;
        if (!st.proxy) return url_authority(st.url);
        return "proxy " + host_with_port(st.hop_host, st.hop_port);
    }

    // `CONNECT host:port`, with Proxy-Authorization when the proxy URL had credentials.
    void make_tunnel_request()
    {
        auto& st = *st_;
        const std::string origin = host_with_port(st.url.host, st.url.port);
        http::request<http::empty_body, arena_fields> m(std::piecewise_construct, std::make_tuple(),
                                                        std::make_tuple(st.arena.allocator()));
        m.method(http::verb::connect);
        m.target(origin);
        m.version(11);
        m.set(http::field::host, origin);
        if (!st.transport->opts.user_agent.empty()) m.set(http::field::user_agent, st.transport->opts.user_agent);
        if (!st.proxy->authorization.empty()) m.set(http::field::proxy_authorization, st.proxy->authorization);
        st.tunnel_wire.clear();
        serialize_header(m, st.tunnel_wire);
    }

    // The proxy's answer to CONNECT (after `ec`, the write's or the read's): true when the
    // tunnel is open (a 2xx and nothing after its header). A refusal is error::proxy_refused
    // (final) for a 4xx other than 408 and 429, the status deciding as it does for a plain
    // http:// reply through the proxy (407: credentials; 403: policy), else (502, 503, 408, ...)
    // errc::connection_refused, retried; a failed exchange with the proxy, request_not_sent.
    // Either way nothing reached the origin.
    bool tunnel_established(error_code& ec, std::string& detail)
    {
        auto& st = *st_;
        const std::string what = hop_name() + ", tunnel to " + host_with_port(st.url.host, st.url.port);
        if (ec) {
            detail = what + ": " + (ec == beast::error::timeout ? std::string("timed out") : ec.message());
            ec = make_error_code(ec == beast::error::timeout ? error::timeout : error::request_not_sent);
            return false;
        }
        auto& m = st.parser->get();
        if (m.result_int() / 100 != 2) {
            detail = what + ": the proxy refused with HTTP " + std::to_string(m.result_int()) +
                     (m.reason().empty() ? std::string() : " " + std::string(m.reason()));
            const unsigned s = m.result_int();
            if (s == 407u) detail += " (proxy authentication required or wrong)";
            if (s >= 400u && s <= 499u && s != 408u && s != 429u)
                ec = make_error_code(error::proxy_refused);
            else
                ec = make_error_code(boost::system::errc::connection_refused);
            return false;
        }
        if (st.conn->buffer.size() != 0) {
            detail = what + ": the proxy sent bytes after its 2xx to CONNECT";
            ec = make_error_code(error::request_not_sent);
            return false;
        }
        st.parser.reset();
        st.tunnel_wire = std::string();  // it may hold the proxy's credentials
        return true;
    }

    // A new connection: its stream, TLS set up (SNI, host name or IP check) when https.
    bool open_connection(error_code& ec, std::string& detail)
    {
        auto& st = *st_;
        st.conn = std::make_unique<connection>();
        st.conn->key = st.key;
        // Beast reads at most the buffer's free capacity, and never more than 64 KiB at once:
        // with that much room a large body comes in the fewest reads (a 25 MB download: half
        // the reads, and half the writes to its file, of a 32 KiB buffer).
        st.conn->buffer.reserve(64 * 1024);
        if (!st.url.tls) {
            st.conn->plain.emplace(st.ex);
            return true;
        }
        auto ctx = st.transport->tls_context(ec, detail);
        if (!ctx) return false;
        st.conn->secure.emplace(st.ex, *ctx);
        SSL* ssl = st.conn->secure->native_handle();
        error_code aec;
        net::ip::make_address(st.url.host, aec);
        bool is_ip = !aec;
        const std::string name(is_ip ? std::string_view(st.url.host) : without_root_dot(st.url.host));
        // SNI: what the macro SSL_set_tlsext_host_name expands to, without its C cast (-Wold-style-cast).
        if (!is_ip && SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                               static_cast<void*>(const_cast<char*>(name.c_str()))) != 1) {
            ec = error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category());
            detail = "TLS setup failed: " + ec.message();
            return false;
        }
        int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str())
                       : SSL_set1_host(ssl, name.c_str());
        if (ok != 1) {
            ec = error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category());
            detail = "TLS setup failed: " + ec.message();
            return false;
        }
        return true;
    }

    // The addresses of `hop_host` when no resolver is needed (an IP literal, or an entry of
    // beast_transport_options::resolve): fills `resolved` and sets `resolved_given`; `ec` and
    // `detail` say why an entry cannot be used.
    void addresses_without_resolver(error_code& ec, std::string& detail)
    {
        auto& st = *st_;
        const std::string service = std::to_string(st.hop_port);
        st.resolved_given = true;
        auto addr = net::ip::make_address(st.hop_host, ec);
        if (!ec) {
            st.resolved = net::ip::basic_resolver_results<tcp>::create(tcp::endpoint(addr, st.hop_port),
                                                                       st.hop_host, service);
            return;
        }
        ec = {};
        for (const auto& entry : st.transport->opts.resolve) {
            if (!resolve_entry_matches(entry.host, entry.port, st.hop_host, st.hop_port)) continue;
            std::vector<tcp::endpoint> endpoints;
            for (const auto& a : entry.addresses) {
                addr = net::ip::make_address(a, ec);
                if (ec) {
                    ec = make_error_code(boost::system::errc::invalid_argument);
                    detail = "beast_transport_options::resolve: an address of " + st.hop_host + " is not an IP address";
                    return;
                }
                endpoints.emplace_back(addr, st.hop_port);
            }
            if (endpoints.empty()) {
                ec = make_error_code(boost::system::errc::invalid_argument);
                detail = "beast_transport_options::resolve: no address for " + st.hop_host;
                return;
            }
            st.resolved = net::ip::basic_resolver_results<tcp>::create(endpoints.begin(), endpoints.end(),
                                                                       st.hop_host, service);
            return;
        }
        st.resolved_given = false;
    }

    // A request that asks for a public address (http_request::public_address_only, a
    // download's): the resolved addresses that are not public are dropped; false, with `ec`
    // and `detail`, when none is left. A proxy's own address is the user's choice: not checked.
    bool keep_public_addresses(error_code& ec, std::string& detail)
    {
        auto& st = *st_;
        if (!st.req->public_address_only || st.proxy) return true;
        std::vector<tcp::endpoint> kept;
        std::string first_refused;
        for (const auto& entry : st.resolved) {
            if (is_public_address(entry.endpoint().address()))
                kept.push_back(entry.endpoint());
            else if (first_refused.empty())
                first_refused = entry.endpoint().address().to_string();
        }
        if (first_refused.empty()) return true;
        if (kept.empty()) {
            ec = make_error_code(error::address_not_allowed);
            detail = not_public_message(st.url.host, first_refused, st.resolved.size());
            return false;
        }
        st.resolved = net::ip::basic_resolver_results<tcp>::create(kept.begin(), kept.end(), st.hop_host,
                                                                   std::to_string(st.hop_port));
        return true;
    }
    // Why a host was refused to a request that asks for a public address: its own words
    // (`host`), or the address it resolved to (`address`, one of `count`).
    static std::string not_public_message(std::string_view host, std::string_view address = {}, std::size_t count = 1)
    {
        std::string out = "the host ";
        out += quote_printable(host, max_quoted_url);
        if (address.empty()) {
            out += " is not a public address (loopback, private, link-local, ...: a local name or address)";
        } else if (count == 1) {
            out.append(" resolves to ").append(address).append(", which is loopback, private, link-local or "
                                                                "otherwise not public");
        } else {
            out.append(" resolves to no public address (").append(std::to_string(count)).append(" addresses, such as ");
            out.append(address).append("), which is loopback, private, link-local or otherwise not public");
        }
        out += "; a download goes only to public addresses unless the API itself is on a private one "
               "(download_options::addresses)";
        return out;
    }

    // Starts the lookup of `hop_host` on a resolver of its own, and sets the step timer for
    // the resolve timeout. Its end records the answer and cancels the timer's wait.
    void start_resolve()
    {
        auto& st = *st_;
        disarm();
        if (!st.timer) st.timer.emplace(st.ex);
        st.timer->expires_at(from_now(clamp(st.transport->opts.resolve_timeout)));
        st.resolve_done = false;
        st.resolve_ec = {};
        st.resolver.emplace(st.ex);
        // Held weakly, as a connect attempt's: a lookup abandoned at the timeout ends later,
        // maybe after the operation (in a blocking lane's io_context, at its next send).
        std::weak_ptr<op_state> weak = st_;
        st.resolver->async_resolve(
            st.hop_host, std::to_string(st.hop_port),
            [weak, gen = st.resolve_gen](error_code e, const net::ip::basic_resolver_results<tcp>& results) {
                auto s = weak.lock();
                if (!s || s->resolve_gen != gen) return;  // abandoned
                s->resolve_done = true;
                s->resolve_ec = e;
                s->resolved = results;
                s->timer->cancel();
            });
    }

    enum class connect_step { wait, connected, failed };

    // A new connect: no attempt yet, the first address next, the connect timeout from now. The
    // step timer is the connect's wake-up (connect_next sets it).
    void begin_connect()
    {
        auto& st = *st_;
        disarm();
        if (!st.timer) st.timer.emplace(st.ex);
        ++st.connect_gen;
        st.attempts.clear();
        st.connect_ec = {};
        st.next_address = st.resolved.begin();
        st.connect_until = from_now(clamp(st.transport->opts.connect_timeout));
        st.next_attempt_at = {};
    }

    // The connect's next move, after a wake-up: `connected` (the winner's socket is the
    // connection's, the other attempts closed), `failed` (`ec` and `detail` say why: the
    // operation was cancelled, even if an attempt connected meanwhile; the connect timeout
    // passed; or every address refused), or `wait`
    // (a new attempt was started when one is due: at once when none is under way, else every
    // connect_attempt_delay; the timer is set for the next one, or the timeout).
    connect_step connect_next(bool cancelled, error_code& ec, std::string& detail)
    {
        auto& st = *st_;
        const auto now = std::chrono::steady_clock::now();
        std::size_t running = 0;
        for (auto& a : st.attempts) {
            if (!a->done) {
                ++running;
            } else if (!a->ec && !cancelled) {
                st.conn->lowest() = std::move(a->socket);
                end_connect();
                return connect_step::connected;
            }
        }
        bool more = st.next_address != st.resolved.end();
        if (cancelled)
            ec = net::error::operation_aborted;
        else if (now >= st.connect_until)
            ec = beast::error::timeout;
        else if (running == 0 && !more)
            ec = st.connect_ec ? st.connect_ec : make_error_code(net::error::host_not_found);
        else {
            if (more && (running == 0 || now >= st.next_attempt_at)) {
                start_attempt(now);
                more = st.next_address != st.resolved.end();
            }
            st.timer->expires_at(more ? (std::min)(st.next_attempt_at, st.connect_until) : st.connect_until);
            return connect_step::wait;
        }
        end_connect();
        detail = "cannot connect to " + hop_name() +
                 (st.resolved.size() > 1 ? " (" + std::to_string(st.resolved.size()) + " addresses)" : std::string()) +
                 ": " + (ec == beast::error::timeout ? std::string("timed out") : ec.message());
        return connect_step::failed;
    }

    // Connects a new socket to `next_address`; its end is recorded and wakes connect_next.
    void start_attempt(std::chrono::steady_clock::time_point now)
    {
        auto& st = *st_;
        const std::size_t i = st.attempts.size();
        st.attempts.push_back(std::make_unique<typename op_state::connect_attempt>(st.ex));
        st.next_attempt_at = time_after(now, st.transport->opts.connect_attempt_delay);
        // Held weakly: the operation (waiting on the timer) keeps the state; a completion queued
        // in a blocking lane's io_context after the send ended must not keep the transport.
        std::weak_ptr<op_state> weak = st_;
        st.attempts.back()->socket.async_connect(st.next_address->endpoint(),
                                                 [weak, gen = st.connect_gen, i](error_code e) {
                                                     auto s = weak.lock();
                                                     if (!s || s->connect_gen != gen) return;  // the connect is over
                                                     s->attempts[i]->done = true;
                                                     s->attempts[i]->ec = e;
                                                     if (e) s->connect_ec = e;
                                                     s->timer->cancel();
                                                 });
        ++st.next_address;
    }

    // Closes the attempts still under way (their completions find the connect over).
    void end_connect()
    {
        auto& st = *st_;
        ++st.connect_gen;
        st.attempts.clear();
    }

    // A reply body that keeps arriving earns time (beast_transport_options::min_body_rate):
    // each of its `n` bytes moves the exchange's deadline 1/min_body_rate s later, unless the
    // request has a timeout of its own. The timer is moved once 100 ms have been earned, so a
    // small reply never moves it; a lane's deadline is a number, moved every time.
    void credit_body(std::size_t n)
    {
        auto& st = *st_;
        const std::size_t rate = st.transport->opts.min_body_rate;
        if (rate == 0 || n == 0 || st.req->timeout.count() > 0) return;
        // n / rate seconds in integers (a rate over 1 GB/s counts as 1 GB/s: under 1 ns a byte).
        const std::uint64_t r = std::min<std::uint64_t>(rate, 1000000000u);
        const std::uint64_t ns = n / r * 1000000000u + n % r * 1000000000u / r;
        st.body_credit += std::chrono::nanoseconds(static_cast<std::int64_t>(ns));
        if (st.deadline) {
            st.deadline->at = time_after(st.deadline->at, st.body_credit);
        } else {
            if (st.body_credit < std::chrono::milliseconds(100)) return;
            st.exchange_deadline = time_after(st.exchange_deadline, st.body_credit);
            arm_until(st.exchange_deadline);
        }
        st.body_credit = {};
    }

    // Gives the step under way `d` (replacing the last step's deadline): when it passes, the
    // socket is closed, as basic_stream's timer would, so that the step's operation ends at
    // once and nothing is left on the connection.
    void arm(std::chrono::milliseconds d) { arm_until(from_now(d)); }
    void arm_until(std::chrono::steady_clock::time_point at)
    {
        auto& st = *st_;
        st.timed_out = false;
        if (!st.timer) st.timer.emplace(st.ex);
        st.timer->expires_at(at);
        std::weak_ptr<op_state> weak = st_;
        st.timer->async_wait([weak, gen = ++st.timer_gen](error_code ec) {
            auto s = weak.lock();
            if (ec || !s || s->timer_gen != gen) return;
            s->timed_out = true;
            if (s->conn && (s->conn->plain || s->conn->secure)) {
                error_code ignored;
                s->conn->lowest().close(ignored);
            }
        });
    }
    // No deadline (the step is over, or a lane keeps the next one).
    void disarm()
    {
        auto& st = *st_;
        st.timed_out = false;
        if (!st.timer) return;
        ++st.timer_gen;
        st.timer->cancel();
    }

    // Writes what the socket takes at once (on a kept-alive connection: inside async_send,
    // before the executor runs), sparing a completion; async_write sends the rest. Over TLS
    // only a request that fits one record (the socket's send buffer is empty at the start of
    // an exchange); an error there leaves the stream unusable and fails the exchange as a
    // failed write does (maybe_sent).
    void write_now(error_code& ec)
    {
        auto& st = *st_;
        if (st.conn->secure) {
            if (st.wire.size() > 16 * 1024) return;
            st.written = net::write(*st.conn->secure, net::buffer(st.wire), ec);
            return;
        }
        st.written = net::write(*st.conn->plain, net::buffer(st.wire), ec);
        if (ec == net::error::would_block || ec == net::error::try_again) ec = {};
    }

    template <class Self>
    void finish(Self& self)
    {
        auto& st = *st_;
        disarm();
        auto& m = st.parser->get();
        // Kept for the next request only when the reply leaves it clean HTTP/1.1: the parser's
        // keep_alive reads every Connection field and is false for a body the close ended; a
        // 101 hands the connection to another protocol; a 204 that declares a body, or a 304
        // that declares a chunked one (its Content-Length may be the resource's), may send it
        // late, where the next request would read it as its reply; an HTTP/1.0 reply with a
        // Transfer-Encoding has faulty framing (RFC 9112 6.1: close after it).
        const unsigned status = m.result_int();
        const bool has_te = m.count(http::field::transfer_encoding) != 0;
        const bool late_body = (status == 204 && (has_te || m.count(http::field::content_length) != 0)) ||
                               (status == 304 && has_te);
        const bool keep = !st.cut_short && st.parser->keep_alive() && status != 101 && !late_body &&
                          !(has_te && m.version() < 11) && !st.conn->holds_unread_bytes();
        http_response out;
        {
            error_code ec;
            std::string detail;
            st.body.resize(st.body_used);
            if (!take_reply(m, std::move(st.body), out, ec, detail))
                return fail(self, ec, "exchange with " + url_authority(st.url) + ": " + detail, true);
        }
        out.ended_by_close = st.parser->need_eof();
        st.parser.reset();
        if (st.deadline) st.deadline->drop_socket();
        if (keep) {
            const auto& o = st.transport->opts;
            st.pool->give_back(std::move(st.conn), o.max_idle_per_host, o.max_idle_total);
        } else {
            st.conn->close();
        }
        st.conn.reset();
        self.complete(error_code{}, std::move(out));
    }
};
AKOOL_DETAIL_CORO_WARNINGS_POP

// The one handler type the Beast operation is compiled for. Each caller of `async_send` has
// its own handler type (every client operation, the blocking `send`, the concept check), and
// an operation compiled per caller multiplied the resolve/connect/TLS/write/read code in every
// client TU (21.6 s instead of 9.7 s with clang++ -O0 for example/sync_create.cpp). The
// caller's handler keeps its executor (a work guard; the result is dispatched to it) and its
// cancellation slot. Its associated allocator is not used: the holder, and through this
// handler's allocator the state of Beast's stream operations, come from Asio's per-thread
// recycling allocator, so a steady stream of exchanges does not reach the heap for them.
class erased_send_handler {
    struct base {
        virtual void complete(error_code ec, http_response&& r) = 0;  // frees *this, then calls
        virtual void destroy() noexcept = 0;                          // frees *this, no call
    protected:
        ~base() = default;
    };

    template <class Handler, class IoExecutor>
    struct holder final : base {
        using allocator_type = net::recycling_allocator<holder>;
        using work_guard = net::executor_work_guard<net::associated_executor_t<Handler, IoExecutor>>;
        Handler handler;
        work_guard work;

        template <class H>
        holder(H&& h, const IoExecutor& ex)
            : handler(std::forward<H>(h)), work(net::get_associated_executor(handler, ex))
        {
        }
        static void free(holder* p) noexcept
        {
            allocator_type a;
            p->~holder();
            a.deallocate(p, 1);
        }
        void complete(error_code ec, http_response&& r) override
        {
            // Asio's rule: the operation's memory is freed before the handler is called.
            Handler h(std::move(handler));
            work_guard w(std::move(work));
            free(this);
            auto ex = w.get_executor();
            net::dispatch(ex, [h = std::move(h), ec, r = std::move(r)]() mutable { std::move(h)(ec, std::move(r)); });
        }
        void destroy() noexcept override { free(this); }
    };

    base* p_ = nullptr;
    net::cancellation_slot slot_;

public:
    template <class Handler, class IoExecutor>
    erased_send_handler(Handler&& h, const IoExecutor& ex)
    {
        using handler_type = std::decay_t<Handler>;
        using holder_type = holder<handler_type, IoExecutor>;
        if constexpr (std::is_same_v<net::associated_cancellation_slot_t<handler_type>, net::cancellation_slot>)
            slot_ = net::get_associated_cancellation_slot(h);
        typename holder_type::allocator_type a;
        holder_type* mem = a.allocate(1);
        struct release_on_throw {  // no try/catch: the header also serves -fno-exceptions builds
            holder_type* p;
            ~release_on_throw() { if (p) typename holder_type::allocator_type().deallocate(p, 1); }
        } guard{mem};
        p_ = ::new (static_cast<void*>(mem)) holder_type(std::forward<Handler>(h), ex);
        guard.p = nullptr;
    }
    erased_send_handler(erased_send_handler&& o) noexcept : p_(std::exchange(o.p_, nullptr)), slot_(o.slot_) {}
    erased_send_handler& operator=(erased_send_handler&&) = delete;
    ~erased_send_handler()
    {
        if (p_) p_->destroy();
    }

    using cancellation_slot_type = net::cancellation_slot;
    cancellation_slot_type get_cancellation_slot() const noexcept { return slot_; }
    /// Beast's stream operations allocate through it: Asio's per-thread recycling cache.
    using allocator_type = net::recycling_allocator<void>;
    allocator_type get_allocator() const noexcept { return {}; }

    void operator()(error_code ec, http_response r) { std::exchange(p_, nullptr)->complete(ec, std::move(r)); }
};


} // namespace detail
} // namespace akool

#endif
