// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_BEAST_CONNECTION_HPP
#define AKOOL_DETAIL_BEAST_CONNECTION_HPP

// What the Beast transport's exchanges run over (beast_transport.hpp): a kept-alive
// connection and the pools of idle ones, a blocking send's private io_context (its lane) and
// deadline, the state every copy of a transport shares (options, the TLS context, the pools),
// and the small checks of a request and a reply. The exchange itself: beast_send_op.hpp.

#include <akool/beast_transport_options.hpp>
#include <akool/config.hpp>
#include <akool/error.hpp>
#include <akool/transport.hpp>
#include <akool/detail/time_after.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/system/errc.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#if !defined(_WIN32)
#include <sys/socket.h>
#include <sys/types.h>
#include <cerrno>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <iterator>
#include <memory>
#if __has_include(<version>)
#include <version>  // __cpp_lib_memory_resource
#endif
#if defined(__cpp_lib_memory_resource)
#include <memory_resource>
#endif
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace akool {
namespace detail {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// How long since `since`, in milliseconds: compared with a milliseconds option, which may be
// milliseconds::max() (no limit), without converting that to the clock's nanoseconds (signed
// overflow: max_idle_time = max() closed every idle connection; helper-46).
inline std::chrono::milliseconds idle_for(std::chrono::steady_clock::time_point now,
                                          std::chrono::steady_clock::time_point since) noexcept
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(now - since);
}

// One kept-alive connection: a socket (TLS over it for https) and its buffer. Its timeouts
// are the operation's (beast_send_op's timer, or a blocking send's lane deadline).
template <class Executor>
struct beast_connection {
    using stream_type = net::basic_stream_socket<tcp, Executor>;
    std::string key;  // "s|host|port" or "p|host|port"
    std::optional<stream_type> plain;
    // Asio's TLS stream, not beast::ssl_stream: the latter's flat_stream coalesces a write of
    // several buffers into one record, and the transport writes one buffer.
    std::optional<net::ssl::stream<stream_type>> secure;
    // What a read took from the stream and the parser has not consumed yet: the header, then
    // at most one read of the body before it moves to the body's room. Bounded, since a reply's
    // framing can be endless where its header and body are not (a chunk extension or a trailer
    // of megabytes: Beast's header_limit and body_limit count neither): past it the exchange
    // fails with http::error::buffer_overflow.
    static constexpr std::size_t max_buffered = 256 * 1024;
    beast::flat_buffer buffer{max_buffered};
    std::chrono::steady_clock::time_point idle_since;

    stream_type& lowest() noexcept { return secure ? secure->next_layer() : *plain; }

    // True when bytes the last reply did not account for are already here: read into the
    // buffer past its end, or waiting in the TLS layer (decrypted, or ciphertext not yet
    // decrypted). They are nothing the next request asked for: a connection holding them is
    // not reused, else they would be taken for the next request's reply (a stray CRLF after a
    // body, or a whole unasked reply whose task id a create would return).
    bool holds_unread_bytes() noexcept
    {
        if (buffer.size() != 0) return true;
        if (!secure) return false;
        SSL* ssl = secure->native_handle();
        BIO* in = ::SSL_get_rbio(ssl);
        return ::SSL_pending(ssl) > 0 || (in && BIO_ctrl_pending(in) > 0);
    }

    // True when the idle connection can carry a request: the server has not closed it, sent
    // anything unasked (a TLS alert, a stray byte), or reset it. One non-blocking peek.
    bool looks_alive() noexcept
    {
        auto& sock = lowest();
        if (!sock.is_open()) return false;
#if defined(_WIN32)
        error_code ec;
        char byte;
        sock.receive(net::buffer(&byte, 1), net::socket_base::message_peek, ec);  // the socket is non-blocking
        return ec == net::error::would_block;
#else
        char byte;
        auto n = ::recv(sock.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
#if EAGAIN == EWOULDBLOCK  // one value on Linux: comparing both draws -Wlogical-op
        return n < 0 && errno == EAGAIN;
#else
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
#endif
#endif
    }

    void close() noexcept
    {
        if (!plain && !secure) return;  // never opened (TLS setup failed)
        error_code ignored;
        lowest().shutdown(tcp::socket::shutdown_both, ignored);
        lowest().close(ignored);
    }
};

// Idle connections of one executor, by key, most recent last.
template <class Executor>
class connection_pool {
public:
    using connection = beast_connection<Executor>;

    // An idle connection for `key` that still looks alive, the most recent first; or none.
    std::unique_ptr<connection> take(const std::string& key)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        for (std::size_t i = idle_.size(); i-- > 0;) {
            if (idle_[i]->key != key) continue;
            std::unique_ptr<connection> c = std::move(idle_[i]);
            idle_.erase(idle_.begin() + static_cast<std::ptrdiff_t>(i));
            if (c->looks_alive()) return c;
            c->close();
        }
        return nullptr;
    }
    // Keeps `c` unless its key has `max_per_key` idle already; at `max_total` idle in the pool,
    // the one idle longest makes room (each holds a socket, its read buffer and, with TLS, its
    // session: a client that reached a thousand image hosts kept a thousand of them).
    void give_back(std::unique_ptr<connection> c, std::size_t max_per_key, std::size_t max_total)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        std::size_t same = 0;
        for (auto& i : idle_)
            if (i->key == c->key) ++same;
        if (same >= max_per_key || max_total == 0) return c->close();
        if (idle_.size() >= max_total) {
            idle_.front()->close();
            idle_.erase(idle_.begin());
        }
        c->idle_since = std::chrono::steady_clock::now();
        idle_.push_back(std::move(c));
    }
    std::size_t size() const
    {
        std::lock_guard<std::mutex> lock(mtx_);
        return idle_.size();
    }
    // Closes every connection idle for `max_idle` or longer (0: all), whatever its host.
    void sweep(std::chrono::milliseconds max_idle)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        const auto now = std::chrono::steady_clock::now();
        for (std::size_t i = idle_.size(); i-- > 0;) {
            if (idle_for(now, idle_[i]->idle_since) < max_idle) continue;
            idle_[i]->close();
            idle_.erase(idle_.begin() + static_cast<std::ptrdiff_t>(i));
        }
    }

private:
    mutable std::mutex mtx_;
    std::vector<std::unique_ptr<connection>> idle_;
};

// The exchange's deadline of a blocking send. The thread that runs the lane's io_context waits
// for its next event no longer than `at` (run_one_until), so an exchange needs no stream timer
// of its own: that timer cost a system call to arm and a cancelled wait to run, per exchange.
// When `at` passes, the thread cancels the socket's operations and they end in
// beast::error::timeout, as the stream timer's would. A reply body that keeps arriving moves
// `at` later (min_body_rate); the thread reads it before each wait.
struct lane_deadline {
    using clock = std::chrono::steady_clock;
    clock::time_point at = clock::time_point::max();  // max: none (the stream timers apply)
    void* socket = nullptr;                           // the exchange's connection's socket
    void (*cancel_socket)(void*) = nullptr;
    bool passed = false;

    template <class Socket>
    void set(std::chrono::milliseconds after, Socket& s) noexcept
    {
        at = from_now(after);
        socket = &s;
        cancel_socket = [](void* p) {
            error_code ignored;
            static_cast<Socket*>(p)->cancel(ignored);
        };
        passed = false;
    }
    // Called when `at` has passed: ends the exchange's socket operations.
    void expire() noexcept
    {
        passed = true;
        if (socket) cancel_socket(socket);
    }
    void clear() noexcept { *this = lane_deadline{}; }
    // The exchange's connection is closed or back in its pool: an expiry before the send's
    // loop sees the completion cancels nothing (the socket may be gone).
    void drop_socket() noexcept { socket = nullptr; }
    // An operation of the exchange that ended with `ec`: its timeout when the deadline passed,
    // whether the cancel ended it or it had completed before the cancel came (a read of bytes
    // already there completes at once: the cancel then finds nothing to end).
    void map(error_code& ec) const noexcept
    {
        if (passed && (!ec || ec == net::error::operation_aborted)) ec = beast::error::timeout;
    }
};

// A private io_context for blocking sends, with its own connections; used by one thread at a time.
struct blocking_lane {
    net::io_context ioc;
    connection_pool<net::any_io_executor> pool;
    lane_deadline deadline;
    std::chrono::steady_clock::time_point last_used{};
};

// A resolver's answer reordered so that IPv6 and IPv4 alternate, from the first address's
// family, each family in its own order (RFC 8305, section 4): when one family's route is dead,
// the second connect attempt already tries the other.
inline net::ip::basic_resolver_results<tcp> interleave_families(const net::ip::basic_resolver_results<tcp>& r)
{
    if (r.empty()) return r;
    const bool v6 = r.begin()->endpoint().address().is_v6();
    std::vector<tcp::endpoint> first, other;
    for (const auto& e : r) (e.endpoint().address().is_v6() == v6 ? first : other).push_back(e.endpoint());
    if (other.empty()) return r;
    std::vector<tcp::endpoint> out;
    out.reserve(first.size() + other.size());
    for (std::size_t i = 0; i < first.size() || i < other.size(); ++i) {
        if (i < first.size()) out.push_back(first[i]);
        if (i < other.size()) out.push_back(other[i]);
    }
    return net::ip::basic_resolver_results<tcp>::create(out.begin(), out.end(), r.begin()->host_name(),
                                                        r.begin()->service_name());
}

// True when `s` holds a byte that could break HTTP framing if written in a header (CR, LF, NUL).
inline bool breaks_framing(std::string_view s) noexcept
{
    for (char c : s)
        if (c == '\r' || c == '\n' || c == '\0') return true;
    return false;
}

// The longest header name or value Beast writes: it keeps each with ": " or CRLF in 16 bits
// and throws std::length_error (out of the error_code forms) for a longer one.
inline constexpr std::size_t max_header_bytes = 65533;

// Why the headers of `req` and the transport's User-Agent cannot be written, or null: an empty
// name, CR, LF or NUL (a caller's string that would add headers or a request), or a name or
// value longer than max_header_bytes.
inline const char* refused_headers(const http_request& req, std::string_view user_agent) noexcept
{
    if (breaks_framing(user_agent)) return "the user_agent option contains CR, LF or NUL";
    if (user_agent.size() > max_header_bytes) return "the user_agent option is longer than 65,533 bytes";
    for (auto& h : req.headers) {
        if (breaks_framing(h.name) || breaks_framing(h.value) || h.name.empty())
            return "a request header name or value is empty or contains CR, LF or NUL";
        if (h.name.size() > max_header_bytes || h.value.size() > max_header_bytes)
            return "a request header name or value is longer than 65,533 bytes";
    }
    return nullptr;
}

// The reply as the client sees it, from the header Beast's response_parser read and the body
// read after it: false, with `ec` and `detail`, for a status below 100 (Beast reads any three
// digits). `body` is moved into `out`.
template <class Fields>
bool take_reply(const http::header<false, Fields>& m, std::string&& body, http_response& out, error_code& ec,
                std::string& detail)
{
    if (m.result_int() < 100) {
        ec = make_error_code(http::error::bad_status);
        detail = "reply status " + std::to_string(m.result_int()) + " is below 100";
        return false;
    }
    out.status = static_cast<int>(m.result_int());
    out.headers.reserve(static_cast<std::size_t>(std::distance(m.begin(), m.end())));
    for (auto& f : m) out.headers.push_back({std::string(f.name_string()), std::string(f.value())});
    out.body = std::move(body);
    return true;
}

// True when the reply's Transfer-Encoding is absent or only "chunked" (any case; empty list
// elements, which Beast skips, aside), or the reply has no body (1xx, 204, 304): another
// coding (gzip, ...) would hand its coded bytes over as the body, and one without chunked last
// is framed by the close (RFC 9112 6.3), which Beast reads by Content-Length when there is one.
template <class Fields>
bool only_chunked_coding(const http::response_header<Fields>& m)
{
    const unsigned status = m.result_int();
    if (status < 200 || status == 204 || status == 304) return true;
    int chunked = 0;
    auto range = m.equal_range(http::field::transfer_encoding);
    for (auto it = range.first; it != range.second; ++it) {
        beast::string_view v = it->value();
        while (!v.empty()) {
            const auto comma = v.find(',');
            beast::string_view item = v.substr(0, comma);
            v = comma == beast::string_view::npos ? beast::string_view() : v.substr(comma + 1);
            while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
            while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
            if (item.empty()) continue;
            if (!beast::iequals(item, "chunked")) return false;
            ++chunked;
        }
    }
    return chunked <= 1;
}

// True for an interim reply's status (1xx but 101 Switching Protocols, which the client never asks for).
inline bool is_interim(unsigned status) noexcept { return status >= 100 && status < 200 && status != 101; }

// True for the ways a server ends a connection (the request may or may not have been read).
inline bool closed_by_peer(const error_code& ec) noexcept
{
    return ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
           ec == net::error::broken_pipe || ec == net::ssl::error::stream_truncated ||
           ec == http::error::partial_message;
}

// A step's timeout, bounded by the request's own timeout when it has one.
inline std::chrono::milliseconds clamp_timeout(std::chrono::milliseconds step, std::chrono::milliseconds request) noexcept
{
    return request.count() > 0 && request < step ? request : step;
}

inline std::string tls_failure_detail(SSL* ssl, const error_code& ec)
{
    long v = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
    if (v != X509_V_OK) return std::string("certificate verification failed: ") + X509_verify_cert_error_string(v);
    return "TLS handshake failed: " + ec.message();
}

// What every copy of a transport shares: options, the TLS context, the pools.
template <class Executor>
struct beast_transport_state {
    Executor ex;
    beast_transport_options opts;
    std::mutex mtx;
    std::shared_ptr<net::ssl::context> ssl_ctx;
    error_code ssl_ctx_error;
    std::string ssl_ctx_detail;  // why it failed, the CA file named: said again on each request
    connection_pool<Executor> pool;                     // async_send's connections
    std::vector<std::unique_ptr<blocking_lane>> lanes;  // send's, while not in use
    std::atomic<std::size_t> opened{0};

    beast_transport_state(const Executor& e, beast_transport_options o) : ex(e), opts(std::move(o)) {}

    // The TLS context, built once. Loading the system store costs ~20 ms: never per request.
    std::shared_ptr<net::ssl::context> tls_context(error_code& ec, std::string& detail)
    {
        std::lock_guard<std::mutex> lock(mtx);
        if (ssl_ctx || ssl_ctx_error) {
            ec = ssl_ctx_error;
            if (ec) detail = ssl_ctx_detail;
            return ssl_ctx;
        }
        if (opts.ssl_context) return ssl_ctx = opts.ssl_context;
        auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
        ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                             net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1,
                         ec);
        if (!ec) {
            if (opts.verify_peer) {
                ctx->set_verify_mode(net::ssl::verify_peer, ec);
                if (!ec) {
                    if (opts.ca_file.empty())
                        ctx->set_default_verify_paths(ec);
                    else
                        ctx->load_verify_file(opts.ca_file, ec);
                }
            } else {
                ctx->set_verify_mode(net::ssl::verify_none, ec);
            }
        }
        if (ec) {
            // The configuration is at fault, not the network: errc::invalid_argument, which
            // the retry rules take as final (OpenSSL's words are in the detail).
            ssl_ctx_detail = opts.ca_file.empty() ? "TLS setup failed: " + ec.message()
                                                  : "cannot load CA file " + opts.ca_file + ": " + ec.message();
            ec = ssl_ctx_error = make_error_code(boost::system::errc::invalid_argument);
            detail = ssl_ctx_detail;
            return nullptr;
        }
        return ssl_ctx = std::move(ctx);
    }

    std::unique_ptr<blocking_lane> take_lane()
    {
        {
            std::lock_guard<std::mutex> lock(mtx);
            if (!lanes.empty()) {
                auto l = std::move(lanes.back());
                lanes.pop_back();
                return l;
            }
        }
        return std::make_unique<blocking_lane>();
    }
    void give_back_lane(std::unique_ptr<blocking_lane> l)
    {
        l->last_used = std::chrono::steady_clock::now();
        std::lock_guard<std::mutex> lock(mtx);
        lanes.push_back(std::move(l));
    }

    // Every request's first step, whichever pool it uses (`own`: async_send's, or its lane's):
    // closes the connections idle for max_idle_time or longer in every pool not in use, and
    // frees the spare lanes unused for as long, so that the connections and lanes of a past
    // burst of traffic go with the next request of either form, not at the next use of their
    // own pool, which may never come.
    template <class Pool>
    void sweep_idle(Pool& own)
    {
        const auto max_idle = opts.max_idle_time;
        if (static_cast<void*>(&own) != static_cast<void*>(&pool)) own.sweep(max_idle);
        pool.sweep(max_idle);
        free_spare_lanes(max_idle);
    }

    // Frees the spare lanes unused for `max_idle` or longer (each an io_context, maybe its
    // resolver thread, and its pool) that have nothing pending (a lookup abandoned at its
    // timeout is: the io_context, when destroyed, would wait for it), and closes the
    // connections idle for as long in the lanes kept. With 0 (close_idle): every spare lane
    // and idle connection.
    void free_spare_lanes(std::chrono::milliseconds max_idle)
    {
        std::vector<std::unique_ptr<blocking_lane>> unused;  // destroyed after the lock
        std::lock_guard<std::mutex> lock(mtx);
        if (lanes.empty()) return;
        const auto now = std::chrono::steady_clock::now();
        for (auto& l : lanes) {
            if (idle_for(now, l->last_used) >= max_idle && nothing_pending(*l))
                unused.push_back(std::move(l));
            else
                l->pool.sweep(max_idle);
        }
        lanes.erase(std::remove(lanes.begin(), lanes.end(), nullptr), lanes.end());
    }

    // True when a spare lane's io_context holds no work once the completions ready in it have
    // run (those of a send that ended: they find their operation gone).
    static bool nothing_pending(blocking_lane& l)
    {
        l.ioc.poll();
        return l.ioc.stopped();
    }
};

// Appends a request header to `out` as Beast writes it: the fields' writer (the FieldsWriter
// that http::serializer runs for a header) without the serializer's state machine, which an
// empty_body does not need. The transport appends the body.
template <class Fields>
void serialize_header(const http::request<http::empty_body, Fields>& m, std::string& out)
{
    typename Fields::writer w(m, m.version(), m.method());
    const auto buffers = w.get();  // named: buffers_range_ref keeps a reference to it
    for (auto b : beast::buffers_range_ref(buffers)) out.append(static_cast<const char*>(b.data()), b.size());
}

// Beast's header fields (one allocation per field) in an exchange's arena: the request's and
// the reply's fields of a usual exchange fit in it, so they cost no allocation of their own.
// A standard library without <memory_resource> (libc++ before 16, or an Apple one that marks
// it unavailable for the deployment target: `__cpp_lib_memory_resource` says) takes them from
// the heap: the same behaviour, a few more allocations.
#if defined(__cpp_lib_memory_resource)
using arena_allocator = std::pmr::polymorphic_allocator<char>;
struct exchange_arena {
    alignas(std::max_align_t) unsigned char bytes[2048];
    std::pmr::monotonic_buffer_resource resource{bytes, sizeof bytes};
    arena_allocator allocator() noexcept { return arena_allocator(&resource); }
};
#else
using arena_allocator = std::allocator<char>;
struct exchange_arena {
    arena_allocator allocator() noexcept { return {}; }
};
#endif
using arena_fields = http::basic_fields<arena_allocator>;

} // namespace detail
} // namespace akool

#endif
