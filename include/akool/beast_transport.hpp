// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_BEAST_TRANSPORT_HPP
#define AKOOL_BEAST_TRANSPORT_HPP

/// @file beast_transport.hpp
/// The default transport: HTTP/1.1 over Boost.Beast, TLS through OpenSSL, and the `client`
/// alias that uses it.
///
/// - TLS: peer verification on by default against the system store (or `ca_file`, or your
///   own `ssl_context`); SNI and host name (or IP address) checks on every connection. The
///   TLS context is built once per transport, on first https use, never per request.
/// - Keep-alive: idle connections are kept per scheme, host and port and reused, other hosts
///   included (result images live on a CDN). An idle connection the server has closed is
///   detected before reuse; if a reused connection still fails before any reply byte, a
///   replay-safe request (GET) is resent once on a new connection, and any other (a create)
///   is reported with `maybe_sent` set, never resent.
/// - Timeouts on name resolution, connect, TLS handshake and the whole exchange (writing the
///   request and reading the full reply); no wait without one. A reply body size limit.
///   The exchange deadline is an Asio timer on the transport's executor by default. With
///   `beast_transport_options::deadline_thread` (POSIX only) it is kept instead by one
///   background thread shared by all transports (started on first use; it shuts a timed-out
///   socket down), so that a request on a kept-alive connection costs no timer system call.
/// - TCP_NODELAY, and the request head and body go out in one write.
/// - `try_send_sync` carries an exchange out on the calling thread over an idle kept-alive
///   connection, waiting in poll() within the same deadline instead of through the executor
///   (one system call per wait, no timer, no completion); the client's synchronous forms use
///   it and fall back to `async_send` (connecting, TLS handshake) when it declines. Before
///   it sleeps for a reply it polls for up to `reply_spin` (50 us) without sleeping, while
///   that catches the reply on the connection.
/// Copies of a transport share one connection pool. All members are thread-safe.

#include <akool/client.hpp>
#include <akool/config.hpp>
#include <akool/error.hpp>
#include <akool/transport.hpp>
#include <akool/detail/reply_spin.hpp>
#include <akool/detail/url.hpp>

#include <boost/core/no_exceptions_support.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/coroutine.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/optional/optional.hpp>
#include <boost/beast/http/read.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#if !defined(_WIN32)
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/types.h>
#endif

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace akool {

/// Settings of the Beast transport. The defaults suit the real service.
struct beast_transport_options {
    std::chrono::milliseconds resolve_timeout{std::chrono::seconds(10)};    ///< name resolution
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};    ///< TCP connect
    std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};  ///< TLS handshake
    /// Writing the request and reading the whole reply.
    std::chrono::milliseconds request_timeout{std::chrono::seconds(60)};
    /// Largest reply body when the request does not set its own limit.
    std::size_t max_response_bytes = std::size_t(64) << 20;
    /// Idle keep-alive connections kept per scheme, host and port.
    std::size_t max_idle_per_host = 8;
    /// Idle connections older than this are closed instead of reused.
    std::chrono::milliseconds max_idle_time{std::chrono::seconds(15)};
    /// Verify the server's certificate chain and name. Turn off only against a local test server.
    bool verify_peer = true;
    /// PEM file of trusted CAs, used instead of the system store when not empty.
    std::string ca_file;
    /// A TLS context of your own; when set, `verify_peer` and `ca_file` are not used (the host
    /// name is still checked whenever the context verifies peers).
    std::shared_ptr<boost::asio::ssl::context> ssl_context;
    /// The `User-Agent` header of requests that do not set their own (empty: none).
    std::string user_agent = "akool-cpp/" AKOOL_VERSION_STRING;
    /// Keep the exchange deadlines (write plus whole reply) on one background thread shared by
    /// every transport of the process instead of an Asio timer per exchange: one timer system
    /// call and one completion less per request (see bench/README.md). Off by default, so that
    /// the library starts no thread of its own; ignored on Windows. Resolve, connect and
    /// handshake always use timers; `try_send_sync` (the client's synchronous forms) needs
    /// neither: it waits in poll() with the deadline.
    bool deadline_thread = false;
    /// How long a synchronous exchange (`try_send_sync`, the client's synchronous forms) polls
    /// for its reply without sleeping before it sleeps in poll() (POSIX; 0: never). Against
    /// a server that answers within it (loopback, the same rack) the reply is then taken
    /// without the wake-up of a sleeping thread, which there costs more than the wait (see
    /// bench/README.md). The spin yields the CPU to any other runnable thread at each turn,
    /// ends at the exchange deadline, and pauses on a connection after two spins in a row
    /// ran out without the reply (then one spin in 64 exchanges tries again): against the
    /// real service, whose replies take about 100 ms, it costs nothing after the second
    /// request. The asynchronous forms never spin.
    std::chrono::microseconds reply_spin{50};
};

namespace detail {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// What the transport derives from a request URL, cached per URL (parsing, the pool key and
// the request line with Host and User-Agent are then done once, not per exchange).
struct beast_endpoint {
    url_parts url;
    std::string key;     // "s|host|port" or "p|host|port"
    std::string prefix;  // "<METHOD> <target> HTTP/1.1\r\nHost: ...\r\nUser-Agent: ...\r\n"
    http_method method = http_method::get;
    std::string source;  // the URL it was made from
};

template <class Executor>
struct beast_connection {
    using socket_type = net::basic_stream_socket<tcp, Executor>;
    std::string key;  // "s|host|port" or "p|host|port"
    bool tls = false;
    std::optional<socket_type> plain;
    std::optional<net::ssl::stream<socket_type>> secure;
    beast::flat_buffer buffer;
    std::string wire;  // the serialized request (its capacity is kept between exchanges)
    bool non_blocking = false;  // the socket is in non-blocking mode: synchronous calls never wait
    bool reply_was_ready = true;  // the last synchronous exchange found its reply already there
    reply_spin_policy spin;       // whether a synchronous exchange polls for its reply before sleeping
    std::chrono::steady_clock::time_point idle_since;

    socket_type& socket() noexcept { return secure ? secure->next_layer() : *plain; }

    // True when the idle connection can carry a request: the server has not closed it, sent
    // anything unasked (a TLS alert, a stray byte), or reset it. One non-blocking peek that
    // leaves the socket's own mode alone.
    bool looks_alive() noexcept
    {
        auto& sock = socket();
        if (!sock.is_open()) return false;
#if defined(_WIN32)
        error_code ec;
        sock.non_blocking(true, ec);
        if (ec) return false;
        char byte;
        sock.receive(net::buffer(&byte, 1), net::socket_base::message_peek, ec);
        error_code ignored;
        sock.non_blocking(false, ignored);
        return ec == net::error::would_block;
#else
        char byte;
        auto n = ::recv(sock.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
#endif
    }

    void close() noexcept
    {
        error_code ignored;
        socket().shutdown(tcp::socket::shutdown_both, ignored);
        socket().close(ignored);
    }
};

inline std::string host_port(const url_parts& u)
{
    bool v6 = u.host.find(':') != std::string::npos;
    std::string s = v6 ? "[" + u.host + "]" : u.host;
    if (u.port != (u.tls ? 443 : 80)) s += ":" + std::to_string(u.port);
    return s;
}

template <class Executor>
struct beast_transport_state {
    using connection = beast_connection<Executor>;
    Executor ex;
    beast_transport_options opts;
    std::mutex mtx;
    std::shared_ptr<net::ssl::context> ssl_ctx;
    error_code ssl_ctx_error;
    std::vector<std::unique_ptr<connection>> idle;
    std::atomic<std::size_t> opened{0};  // connections opened so far (statistics)
    std::shared_ptr<const beast_endpoint> endpoints[4];  // most recently used URLs
    unsigned next_endpoint = 0;

    beast_transport_state(const Executor& e, beast_transport_options o) : ex(e), opts(std::move(o)) {}

    // The parsed URL, pool key and request line of `req`; null when the URL is not an absolute
    // http(s) URL.
    std::shared_ptr<const beast_endpoint> endpoint_for(const http_request& req)
    {
        {
            std::lock_guard<std::mutex> lock(mtx);
            for (auto& e : endpoints)
                if (e && e->method == req.method && e->source == req.url) return e;
        }
        auto e = std::make_shared<beast_endpoint>();
        if (!parse_http_url(req.url, e->url)) return nullptr;
        e->method = req.method;
        e->source = req.url;
        e->key = (e->url.tls ? "s|" : "p|") + e->url.host + "|" + std::to_string(e->url.port);
        e->prefix.append(to_string(req.method)).append(" ").append(e->url.target).append(" HTTP/1.1\r\nHost: ");
        e->prefix.append(host_port(e->url)).append("\r\n");
        if (!opts.user_agent.empty()) e->prefix.append("User-Agent: ").append(opts.user_agent).append("\r\n");
        std::lock_guard<std::mutex> lock(mtx);
        endpoints[next_endpoint++ % 4] = e;
        return e;
    }

    // The TLS context, built once. Loading the system store costs ~20 ms: never per request.
    std::shared_ptr<net::ssl::context> tls_context(error_code& ec, std::string& detail)
    {
        std::lock_guard<std::mutex> lock(mtx);
        if (ssl_ctx || ssl_ctx_error) {
            ec = ssl_ctx_error;
            if (ec) detail = "TLS setup failed: " + ec.message();
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
            ssl_ctx_error = ec;
            detail = opts.ca_file.empty() ? "TLS setup failed: " + ec.message()
                                          : "cannot load CA file " + opts.ca_file + ": " + ec.message();
            return nullptr;
        }
        return ssl_ctx = std::move(ctx);
    }

    std::unique_ptr<connection> take_idle(const std::string& key)
    {
        std::lock_guard<std::mutex> lock(mtx);
        if (idle.empty()) return nullptr;
        auto now = std::chrono::steady_clock::now();
        for (std::size_t i = idle.size(); i-- > 0;) {
            if (idle[i]->key != key) continue;
            std::unique_ptr<connection> c = std::move(idle[i]);
            idle.erase(idle.begin() + static_cast<std::ptrdiff_t>(i));
            if (now - c->idle_since <= opts.max_idle_time && c->looks_alive()) return c;
            c->close();
        }
        return nullptr;
    }

    void give_back(std::unique_ptr<connection> c, bool restart_idle_clock = true)
    {
        std::lock_guard<std::mutex> lock(mtx);
        std::size_t same = 0;
        for (auto& i : idle)
            if (i->key == c->key) ++same;
        if (same >= opts.max_idle_per_host) return c->close();
        if (restart_idle_clock) c->idle_since = std::chrono::steady_clock::now();
        idle.push_back(std::move(c));
    }
};

inline std::string tls_failure_detail(SSL* ssl, const error_code& ec)
{
    long v = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
    if (v != X509_V_OK) return std::string("certificate verification failed: ") + X509_verify_cert_error_string(v);
    return "TLS handshake failed: " + ec.message();
}

// A response parser that writes the status, every header and the body straight into an
// http_response (no intermediate beast::http::fields and no copy afterwards).
class response_reader : public http::basic_parser<false> {
public:
    explicit response_reader(http_response& out) noexcept : out_(out) {}

private:
    void on_request_impl(http::verb, beast::string_view, beast::string_view, int, error_code&) override {}
    void on_response_impl(int code, beast::string_view, int, error_code& ec) override
    {
        if (code < 100) {  // Beast reads any three digits; 0xx is no status class (RFC 9110)
            ec = http::error::bad_status;
            return;
        }
        out_.status = code;
    }
    void on_field_impl(http::field, beast::string_view name, beast::string_view value, error_code&) override
    {
        out_.headers.push_back({std::string(name.data(), name.size()), std::string(value.data(), value.size())});
    }
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(boost::optional<std::uint64_t> const& length, error_code&) override
    {
        // The parser has already refused a length above the body limit.
        if (length) out_.body.reserve(static_cast<std::size_t>(*length));
    }
    std::size_t on_body_impl(beast::string_view body, error_code&) override
    {
        out_.body.append(body.data(), body.size());
        return body.size();
    }
    void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, error_code&) override
    {
        out_.body.append(body.data(), body.size());
        return body.size();
    }
    void on_finish_impl(error_code&) override {}

    http_response& out_;
};

#if !defined(_WIN32)
// The deadline of exchanges on connected sockets, kept without an Asio timer when a transport
// sets `deadline_thread` (opt-in: by default the library starts no thread): arming and
// cancelling a timer per exchange costs a timerfd_settime call and a completion through the
// scheduler on every request. One background thread (started on first use, shared by every
// transport) sleeps until the earliest deadline; for an exchange still registered then, it
// sets `fired` and shuts the socket down (SHUT_RDWR), so that the pending read or write
// completes at once with an error, which the operation reports as a timeout. Registering
// wakes the thread only when the new deadline is the earliest it knows of (with equal
// timeouts, only when it had none): in steady state an exchange costs two uncontended mutex
// locks and no system call. An entry is removed before its socket is closed or reused, and
// the thread shuts sockets down only under the mutex, so it never touches another socket.
class exchange_watchdog {
public:
    using clock = std::chrono::steady_clock;

    struct entry {
        entry* prev = nullptr;
        entry* next = nullptr;
        std::atomic<exchange_watchdog*> owner{nullptr};  // set while registered
        clock::time_point at{};
        int fd = -1;
        std::atomic<bool>* fired = nullptr;
    };

    static exchange_watchdog& instance()
    {
        static exchange_watchdog* w = create();
        return *current(w);
    }

    // Registers `e` (deadline `e.at`, socket `e.fd`). False when the thread cannot be
    // started: the caller then keeps its own timer.
    bool add(entry& e) noexcept
    {
        std::unique_lock<std::mutex> lock(mtx_);
        if (!started_) {
            BOOST_TRY { std::thread(&exchange_watchdog::run, this).detach(); }
            BOOST_CATCH (...) { return false; }
            BOOST_CATCH_END
            started_ = true;
        }
        e.owner.store(this, std::memory_order_relaxed);
        e.prev = nullptr;
        e.next = head_;
        if (head_) head_->prev = &e;
        head_ = &e;
        if (e.at < wake_at_) {
            wake_at_ = e.at;
            lock.unlock();
            cv_.notify_one();
        }
        return true;
    }

    // Unregisters `e` if it still is; after this the thread no longer touches its socket.
    void remove(entry& e) noexcept
    {
        if (!e.owner.load(std::memory_order_acquire)) return;  // never registered, or fired
        std::lock_guard<std::mutex> lock(mtx_);
        if (e.owner.load(std::memory_order_relaxed) == this) unlink(e);
        e.owner.store(nullptr, std::memory_order_relaxed);
    }

private:
    exchange_watchdog() = default;

    static exchange_watchdog* create()
    {
        // A child process after fork() has no watchdog thread: it gets a new instance.
        ::pthread_atfork(nullptr, nullptr, [] { current(nullptr, true); });
        return new exchange_watchdog;  // never destroyed: exchanges may run during static destruction
    }
    static exchange_watchdog* current(exchange_watchdog* first, bool renew = false)
    {
        static std::atomic<exchange_watchdog*> cur{nullptr};
        if (renew) {
            cur.store(new exchange_watchdog, std::memory_order_release);
            return nullptr;
        }
        exchange_watchdog* c = cur.load(std::memory_order_acquire);
        if (c) return c;
        cur.compare_exchange_strong(c, first, std::memory_order_acq_rel);
        return cur.load(std::memory_order_acquire);
    }

    void unlink(entry& e) noexcept
    {
        if (e.prev)
            e.prev->next = e.next;
        else if (head_ == &e)
            head_ = e.next;
        if (e.next) e.next->prev = e.prev;
        e.prev = e.next = nullptr;
    }

    void run() noexcept
    {
        std::unique_lock<std::mutex> lock(mtx_);
        for (;;) {
            if (wake_at_ == clock::time_point::max())
                cv_.wait(lock);
            else
                cv_.wait_until(lock, wake_at_);
            auto now = clock::now();
            if (now < wake_at_) continue;
            auto next = clock::time_point::max();
            for (entry* e = head_; e;) {
                entry* n = e->next;
                if (e->at <= now) {
                    e->fired->store(true, std::memory_order_release);
                    ::shutdown(e->fd, SHUT_RDWR);
                    unlink(*e);
                    e->owner.store(nullptr, std::memory_order_release);
                } else if (e->at < next) {
                    next = e->at;
                }
                e = n;
            }
            wake_at_ = next;
        }
    }

    std::mutex mtx_;
    std::condition_variable cv_;
    entry* head_ = nullptr;
    clock::time_point wake_at_ = clock::time_point::max();
    bool started_ = false;
};
#endif

// True when a header name or value could break the request framing (CR, LF or NUL).
inline bool breaks_framing(std::string_view s) noexcept
{
    for (char c : s)
        if (c == '\r' || c == '\n' || c == '\0') return true;
    return false;
}

// True when a header of `req` is empty-named or could break the request framing.
inline bool refuses_headers(const http_request& req) noexcept
{
    for (auto& h : req.headers)
        if (breaks_framing(h.name) || breaks_framing(h.value) || h.name.empty()) return true;
    return false;
}

// The largest request written over TLS as one record straight through the non-blocking
// socket (beast_send_op::send_now, sync_exchange): with the send buffer empty at the start of
// an exchange it goes out without waiting.
constexpr std::size_t max_tls_direct_write = 8 * 1024;

// The reply body limit of `req`: its own, else the transport's.
inline std::size_t body_limit_for(const http_request& req, const beast_transport_options& opts) noexcept
{
    return req.max_response_bytes ? req.max_response_bytes : opts.max_response_bytes;
}

// Clears `out` for a reply to be parsed into it (keeping its capacity).
inline void reset_response(http_response& out)
{
    out.status = 0;
    out.headers.clear();
    out.headers.reserve(8);
    out.body.clear();
}

#if !defined(_WIN32) && defined(MSG_NOSIGNAL)
// Writes what the plain socket takes without waiting, from `done` on; stops when all is
// written, on would-block (ec clear) or on an error (ec set). Returns the new `done`.
inline std::size_t send_without_waiting(int fd, const std::string& wire, std::size_t done, error_code& ec)
{
    while (done < wire.size()) {
        auto n = ::send(fd, wire.data() + done, wire.size() - done, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        ec = error_code(n < 0 ? errno : EPIPE, boost::system::system_category());
        break;
    }
    return done;
}
#endif

// The request head and body in one buffer, so that they leave in one write (one TLS
// record over https). Host and User-Agent come from the cached request line unless the
// request sets its own; Content-Length is always the transport's.
inline void serialize_request(const http_request& req, const beast_endpoint& ep, const beast_transport_options& opts,
                              std::string& out)
{
    bool own_host = false, own_agent = false;
    for (auto& h : req.headers) {
        if (ascii_iequals(h.name, "host")) own_host = true;
        if (ascii_iequals(h.name, "user-agent")) own_agent = true;
    }
    out.clear();
    if (!own_host && !own_agent) {
        out.append(ep.prefix);
    } else {
        out.append(to_string(req.method)).append(" ").append(ep.url.target).append(" HTTP/1.1\r\n");
        if (!own_host) out.append("Host: ").append(host_port(ep.url)).append("\r\n");
        if (!own_agent && !opts.user_agent.empty()) out.append("User-Agent: ").append(opts.user_agent).append("\r\n");
    }
    for (auto& h : req.headers) {
        if (ascii_iequals(h.name, "content-length") || ascii_iequals(h.name, "transfer-encoding")) continue;
        out.append(h.name).append(": ").append(h.value).append("\r\n");
    }
    if (req.method == http_method::post || !req.body.empty()) {
        char digits[24];
        std::size_t n = req.body.size(), i = sizeof digits;
        do {
            digits[--i] = static_cast<char>('0' + n % 10);
            n /= 10;
        } while (n);
        out.append("Content-Length: ").append(digits + i, sizeof digits - i).append("\r\n");
    }
    out.append("\r\n").append(req.body);
}

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

template <class Executor>
class beast_send_op : net::coroutine {
    using state_type = beast_transport_state<Executor>;
    using connection = beast_connection<Executor>;

    struct op_state {
        std::shared_ptr<state_type> transport;
        std::optional<http_request> owned;  // set when the request was handed over by value
        const http_request* req;            // the request: *owned, or the caller's
        std::shared_ptr<const beast_endpoint> ep;
        std::unique_ptr<connection> conn;
        bool reused = false;
        bool resent = false;
        std::atomic<bool> timed_out{false};
        std::size_t written = 0;  // bytes of the request written without waiting
        unsigned armed = 0;  // changes whenever the deadline is armed or disarmed
        std::optional<response_reader> parser;
        std::optional<
            net::basic_waitable_timer<std::chrono::steady_clock, net::wait_traits<std::chrono::steady_clock>, Executor>>
            timer;
        std::optional<net::ip::basic_resolver<tcp, Executor>> resolver;
        net::ip::basic_resolver_results<tcp> resolved;
        http_response out;
#if !defined(_WIN32)
        exchange_watchdog::entry watch;  // the exchange's deadline while registered
#endif

        op_state(std::shared_ptr<state_type> t, http_request&& r)
            : transport(std::move(t)), owned(std::move(r)), req(&*owned)
        {
        }
        op_state(std::shared_ptr<state_type> t, const http_request& r) : transport(std::move(t)), req(&r) {}
        ~op_state()
        {
#if !defined(_WIN32)
            if (watch.owner.load(std::memory_order_acquire))
                exchange_watchdog::instance().remove(watch);  // before `conn` closes the socket
#endif
        }
    };
    std::shared_ptr<op_state> st_;

public:
    beast_send_op(std::shared_ptr<state_type> t, http_request&& req)
        : st_(std::make_shared<op_state>(std::move(t), std::move(req)))
    {
    }
    beast_send_op(std::shared_ptr<state_type> t, const http_request& req)
        : st_(std::make_shared<op_state>(std::move(t), req))
    {
    }

    template <class Self>
    void operator()(Self& self, error_code ec = {}, std::size_t = 0)
    {
        step(self, ec);
    }
    template <class Self>
    void operator()(Self& self, error_code ec, const typename tcp::endpoint&)
    {
        step(self, ec);
    }
    template <class Self>
    void operator()(Self& self, error_code ec, const net::ip::basic_resolver_results<tcp>& results)
    {
        st_->resolved = results;
        step(self, ec);
    }

private:
    // An IP literal needs no resolver: fills `resolved` and returns true.
    bool endpoint_from_literal()
    {
        auto& st = *st_;
        error_code ec;
        auto addr = net::ip::make_address(st.ep->url.host, ec);
        if (ec) return false;
        st.resolved = net::ip::basic_resolver_results<tcp>::create(tcp::endpoint(addr, st.ep->url.port),
                                                                   st.ep->url.host, std::to_string(st.ep->url.port));
        return true;
    }

    // One deadline for the step under way (resolve, connect, handshake, or the whole
    // exchange): when it passes, the resolver is cancelled and the connection closed, so that
    // whatever operation is pending or started next fails at once.
    void arm(std::chrono::milliseconds d)
    {
        auto& st = *st_;
        st.timed_out = false;
        unsigned id = ++st.armed;
        if (!st.timer) st.timer.emplace(st.transport->ex);
        st.timer->expires_after(clamp(d));
        std::weak_ptr<op_state> weak = st_;
        st.timer->async_wait([weak, id](error_code ec) {
            if (ec) return;
            auto s = weak.lock();
            if (!s || s->armed != id) return;
            s->timed_out = true;
            if (s->resolver) s->resolver->cancel();
            if (s->conn) s->conn->close();
        });
    }
    void disarm()
    {
        auto& st = *st_;
        ++st.armed;
        if (st.timer) st.timer->cancel();
#if !defined(_WIN32)
        if (st.watch.owner.load(std::memory_order_acquire)) exchange_watchdog::instance().remove(st.watch);
#endif
    }

    // The deadline of writing the request and reading the reply on a connected socket:
    // through the watchdog when `deadline_thread` is set and its thread runs, else the timer.
    void arm_exchange(std::chrono::milliseconds d)
    {
#if !defined(_WIN32)
        auto& st = *st_;
        st.timed_out = false;
        st.watch.at = std::chrono::steady_clock::now() + clamp(d);
        st.watch.fd = static_cast<int>(st.conn->socket().native_handle());
        st.watch.fired = &st.timed_out;
        if (st.transport->opts.deadline_thread && exchange_watchdog::instance().add(st.watch)) return;
#endif
        arm(d);
    }

    template <class Self>
    void fail(Self& self, error_code ec, std::string detail, bool maybe_sent)
    {
        auto& st = *st_;
        disarm();
        if (st.conn) {
            st.conn->close();
            st.conn.reset();
        }
        if (ec == beast::error::timeout) ec = make_error_code(error::timeout);
        if (ec == http::error::body_limit) ec = make_error_code(error::response_too_large);
        http_response r;
        r.maybe_sent = maybe_sent;
        r.failure_detail = std::move(detail);
        self.complete(ec, std::move(r));
    }

#include <boost/asio/yield.hpp>
    template <class Self>
    void step(Self& self, error_code ec)
    {
        auto& st = *st_;
        auto& opts = st.transport->opts;
        reenter(this)
        {
            st.ep = st.transport->endpoint_for(*st.req);
            if (!st.ep) {
                return fail(self, make_error_code(error::invalid_url), "not an absolute http(s) URL", false);
            }
            if (refuses_headers(*st.req))
                return fail(self, make_error_code(boost::system::errc::invalid_argument),
                            "a request header name or value is empty or contains CR, LF or NUL", false);

            st.conn = st.transport->take_idle(st.ep->key);
            st.reused = st.conn != nullptr;
            for (;;) {
                if (!st.conn) {
                    st.conn = std::make_unique<connection>();
                    st.conn->key = st.ep->key;
                    st.conn->tls = st.ep->url.tls;
                    st.conn->plain.emplace(st.transport->ex);
                    // Beast reads at most the buffer's free capacity (512 bytes when it has
                    // none): reserve room so that a large body arrives in few reads.
                    st.conn->buffer.reserve(32 * 1024);
                    if (!endpoint_from_literal()) {
                        if (!st.resolver) st.resolver.emplace(st.transport->ex);
                        arm(opts.resolve_timeout);
                        yield st.resolver->async_resolve(st.ep->url.host, std::to_string(st.ep->url.port),
                                                         std::move(self));
                        disarm();
                        if (st.timed_out)
                            return fail(self, make_error_code(error::timeout),
                                        "timed out resolving " + st.ep->url.host, false);
                        if (ec)
                            return fail(self, ec, "cannot resolve " + st.ep->url.host + ": " + ec.message(), false);
                    }
                    arm(opts.connect_timeout);
                    yield net::async_connect(*st.conn->plain, st.resolved, std::move(self));
                    if (st.timed_out)
                        return fail(self, make_error_code(error::timeout),
                                    "cannot connect to " + host_port(st.ep->url) + ": timed out", false);
                    if (ec)
                        return fail(self, ec, "cannot connect to " + host_port(st.ep->url) + ": " + ec.message(),
                                    false);
                    st.conn->plain->set_option(tcp::no_delay(true), ec);
                    st.transport->opened++;
                    if (st.ep->url.tls) {
                        {
                            // Synchronous calls on the socket must fail instead of waiting (see
                            // send_now); asynchronous operations are not affected.
                            error_code nb;
                            st.conn->plain->non_blocking(true, nb);
                            st.conn->non_blocking = !nb;
                            std::string detail;
                            auto ctx = st.transport->tls_context(ec, detail);
                            if (!ctx) return fail(self, ec, detail, false);
                            auto plain = std::move(*st.conn->plain);
                            st.conn->plain.reset();
                            st.conn->secure.emplace(std::move(plain), *ctx);
                            if (!setup_tls(*st.conn->secure, ec))
                                return fail(self, ec, "TLS setup failed: " + ec.message(), false);
                        }
                        arm(opts.handshake_timeout);
                        yield st.conn->secure->async_handshake(net::ssl::stream_base::client, std::move(self));
                        if (st.timed_out)
                            return fail(self, make_error_code(error::timeout),
                                        "TLS with " + host_port(st.ep->url) + ": handshake timed out", false);
                        if (ec)
                            return fail(self, ec,
                                        "TLS with " + host_port(st.ep->url) + ": " +
                                            tls_failure_detail(st.conn->secure->native_handle(), ec),
                                        false);
                    }
                }

                // One deadline for writing the request and reading the whole reply.
                arm_exchange(opts.request_timeout);
                serialize(st.conn->wire);
                ec = {};
                st.written = send_now(ec);
                if (!ec && st.written < st.conn->wire.size()) {
                    yield {
                        auto rest = net::buffer(st.conn->wire) + st.written;
                        if (st.conn->tls)
                            net::async_write(*st.conn->secure, rest, std::move(self));
                        else
                            net::async_write(*st.conn->plain, rest, std::move(self));
                    }
                }
                if (!ec) {
                    reset_response(st.out);
                    st.parser.emplace(st.out);
                    st.parser->body_limit(body_limit_for(*st.req, opts));
                    yield {
                        if (st.conn->tls)
                            http::async_read(*st.conn->secure, st.conn->buffer, *st.parser, std::move(self));
                        else
                            http::async_read(*st.conn->plain, st.conn->buffer, *st.parser, std::move(self));
                    }
                }
                if (!ec) break;  // a complete reply counts even when the deadline passed meanwhile
                if (st.timed_out)
                    return fail(self, make_error_code(error::timeout),
                                "timed out waiting for the reply from " + host_port(st.ep->url), true);
                // A reused connection that the server closed before answering: the request
                // was not processed only if the server closed first, which we cannot know.
                // Resend only what is replay-safe, once, on a new connection.
                if (st.reused && !st.resent && st.req->replay_safe && closed_by_peer(ec) &&
                    !(st.parser && st.parser->got_some())) {
                    disarm();
                    st.conn->close();
                    st.conn.reset();
                    st.reused = false;
                    st.resent = true;
                    continue;
                }
                return fail(self, ec, "exchange with " + host_port(st.ep->url) + ": " + ec.message(), true);
            }

            disarm();
            if (st.parser->keep_alive() && !st.timed_out)
                st.transport->give_back(std::move(st.conn));
            else
                st.conn->close();
            st.conn.reset();
            st.parser.reset();
            self.complete(error_code{}, std::move(st.out));
        }
    }
#include <boost/asio/unyield.hpp>

    // Writes what the socket takes at once, sparing a completion through the scheduler;
    // async_write sends the rest. At the start of an exchange the socket's send buffer is
    // empty (the previous reply acknowledged the previous request), so a request of a few
    // kilobytes goes out whole. Over TLS: one record, synchronously, through the socket in
    // non-blocking mode (would_block instead of a wait); any error there leaves the TLS
    // stream unusable and ends the exchange like a failed write (maybe_sent, never resent
    // unless replay-safe on a reused connection).
    std::size_t send_now(error_code& ec)
    {
        if (st_->conn->tls) {
            if (!st_->conn->non_blocking || st_->conn->wire.size() > max_tls_direct_write) return 0;
            return st_->conn->secure->write_some(net::buffer(st_->conn->wire), ec);
        }
#if !defined(_WIN32) && defined(MSG_NOSIGNAL)
        return send_without_waiting(static_cast<int>(st_->conn->plain->native_handle()), st_->conn->wire, 0, ec);
#else
        (void)ec;
        return 0;
#endif
    }

    // A step's timeout, bounded by the request's own remaining time when it has one.
    std::chrono::milliseconds clamp(std::chrono::milliseconds step) const noexcept
    {
        return clamp_timeout(step, st_->req->timeout);
    }

    void serialize(std::string& out) const
    {
        serialize_request(*st_->req, *st_->ep, st_->transport->opts, out);
    }

    bool setup_tls(net::ssl::stream<typename connection::socket_type>& s, error_code& ec)
    {
        auto& st = *st_;
        SSL* ssl = s.native_handle();
        // Asio asks OpenSSL to free its record buffers whenever they are empty, i.e. to
        // allocate and free about 50 KB on every request: keep them for the connection.
        SSL_clear_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
        error_code aec;
        net::ip::make_address(st.ep->url.host, aec);
        bool is_ip = !aec;
        if (!is_ip && SSL_set_tlsext_host_name(ssl, st.ep->url.host.c_str()) != 1) {
            ec = error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category());
            return false;
        }
        int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), st.ep->url.host.c_str())
                       : SSL_set1_host(ssl, st.ep->url.host.c_str());
        if (ok != 1) {
            ec = error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category());
            return false;
        }
        return true;
    }
};

#if !defined(_WIN32) && defined(MSG_NOSIGNAL)
// Waits until `fd` is ready for `events`. False when `deadline` passed first (ec clear) or
// poll() failed (ec set).
inline bool wait_ready(int fd, short events, std::chrono::steady_clock::time_point deadline, error_code& ec)
{
    for (;;) {
        auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::steady_clock::duration::zero()) return false;
        auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
        ::pollfd p{fd, events, 0};
        int n = ::poll(&p, 1, ms > INT_MAX ? INT_MAX : static_cast<int>(ms));
        if (n > 0) return true;  // ready, or an error or hang-up that the next call reports
        if (n < 0 && errno != EINTR) {
            ec = error_code(errno, boost::system::system_category());
            return false;
        }
    }
}

// Polls `fd` for input without sleeping until `until`, yielding the CPU between turns (to a
// server on the same CPU, say). True when it became readable (or reports an error or
// hang-up, which the next read returns).
inline bool spin_until_readable(int fd, std::chrono::steady_clock::time_point until) noexcept
{
    for (;;) {
        ::pollfd p{fd, POLLIN, 0};
        int n = ::poll(&p, 1, 0);
        if (n > 0) return true;
        if (n < 0 && errno != EINTR) return false;  // the sleeping wait reports it
        if (std::chrono::steady_clock::now() >= until) return false;
        ::sched_yield();
    }
}

// Waits for the first byte of a reply: spins for up to `spin` while the connection's policy
// says it pays (bounded by `deadline`), then sleeps in poll() until `deadline`.
template <class Connection>
bool wait_for_reply(Connection& conn, int fd, std::chrono::microseconds spin,
                    std::chrono::steady_clock::time_point deadline, error_code& ec)
{
    if (spin > std::chrono::microseconds::zero() && conn.spin.should_spin()) {
        bool caught = spin_until_readable(fd, (std::min)(std::chrono::steady_clock::now() + spin, deadline));
        conn.spin.record(caught);
        if (caught) return true;
    }
    return wait_ready(fd, POLLIN, deadline, ec);
}
#endif

// The synchronous exchange behind `basic_beast_transport::try_send_sync`: the same decisions
// as beast_send_op on a kept-alive connection, carried out with blocking waits in poll()
// bounded by the exchange deadline instead of the executor. Returns false, having sent
// nothing that counts, when it cannot serve the request this way (a refused header or URL,
// no live idle connection, a TLS request over one record, Windows) or when a reused connection turned out closed
// before any reply byte and the request is replay-safe: the caller then runs async_send,
// which connects (with its timeouts) and sends.
template <class Executor>
bool sync_exchange(beast_transport_state<Executor>& t, const http_request& req, http_response& out, error_code& ec)
{
#if defined(_WIN32) || !defined(MSG_NOSIGNAL)
    (void)t;
    (void)req;
    (void)out;
    (void)ec;
    return false;
#else
    auto ep = t.endpoint_for(req);
    if (!ep) return false;  // async_send reports it
    if (refuses_headers(req)) return false;  // async_send reports it
    std::unique_ptr<beast_connection<Executor>> conn = t.take_idle(ep->key);
    if (!conn) return false;
    serialize_request(req, *ep, t.opts, conn->wire);
    if (conn->tls && (!conn->non_blocking || conn->wire.size() > max_tls_direct_write)) {
        t.give_back(std::move(conn), false);
        return false;
    }
    const auto deadline = std::chrono::steady_clock::now() + clamp_timeout(t.opts.request_timeout, req.timeout);
    const int fd = static_cast<int>(conn->socket().native_handle());
    error_code xec;
    bool timed_out = false;

    // Write the request: over TLS one record through the non-blocking socket (with the send
    // buffer empty at the start of an exchange it never has to wait; if it had to, the stream
    // would be unusable and the exchange fails as a failed write does).
    const std::string& wire = conn->wire;
    std::size_t done = 0;
    while (done < wire.size() && !xec && !timed_out) {
        if (conn->tls) {
            done += conn->secure->write_some(net::buffer(wire) + done, xec);
            continue;
        }
        done = send_without_waiting(fd, wire, done, xec);
        if (done < wire.size() && !xec && !wait_ready(fd, POLLOUT, deadline, xec) && !xec) timed_out = true;
    }

    // Read and parse the whole reply. The first read goes straight to recv when the previous
    // reply was already there by then (a server on the same CPU), else waits first. The first
    // wait may spin (wait_for_reply); later ones, for the rest of a reply, sleep in poll().
    reset_response(out);
    response_reader parser(out);
    parser.eager(true);
    parser.body_limit(body_limit_for(req, t.opts));
    beast::flat_buffer& buf = conn->buffer;
    bool first_read = true;
    bool first_wait = true;
    bool eof = false;
    auto wait_for_input = [&] {
        bool ready = first_wait ? wait_for_reply(*conn, fd, t.opts.reply_spin, deadline, xec)
                                : wait_ready(fd, POLLIN, deadline, xec);
        first_wait = false;
        return ready;
    };
    while (!xec && !timed_out) {
        while (buf.size() > 0 && !parser.is_done()) {
            std::size_t used = parser.put(buf.data(), xec);
            buf.consume(used);
            if (xec == http::error::need_more) {
                xec = {};
                break;
            }
            if (xec || used == 0) break;
        }
        if (xec || parser.is_done()) break;
        if (eof) {
            if (parser.got_some()) {
                parser.put_eof(xec);
                if (!xec && !parser.is_done()) xec = http::error::partial_message;
            } else {
                xec = http::error::end_of_stream;
            }
            break;
        }
        if (first_read && !conn->reply_was_ready) {
            if (!wait_for_input()) {
                if (!xec) timed_out = true;
                break;
            }
        }
        std::size_t room = buf.capacity() - buf.size();
        auto space = buf.prepare(room < 512 ? 512 : room > 65536 ? 65536 : room);
        std::size_t got = 0;
        error_code rec;
        if (conn->tls) {
            got = conn->secure->read_some(space, rec);
        } else {
            auto n = ::recv(fd, space.data(), space.size(), MSG_DONTWAIT);
            if (n > 0)
                got = static_cast<std::size_t>(n);
            else if (n == 0)
                rec = net::error::eof;
            else if (errno == EINTR)
                continue;
            else
                rec = error_code(errno, boost::system::system_category());
        }
        buf.commit(got);
        bool would_block = rec == net::error::would_block || rec == boost::system::errc::resource_unavailable_try_again;
        if (first_read) conn->reply_was_ready = !would_block;
        first_read = false;
        if (would_block) {
            if (!wait_for_input() && !xec) timed_out = true;
            continue;
        }
        if (rec == net::error::eof) {
            eof = true;  // parse what came before the end first
            continue;
        }
        xec = rec;
    }

    if (!xec && !timed_out && parser.is_done()) {
        if (parser.keep_alive())
            t.give_back(std::move(conn));
        else
            conn->close();
        ec = {};
        return true;
    }
    bool got_some = parser.got_some();
    conn->close();
    out = http_response{};
    if (timed_out) {
        ec = make_error_code(error::timeout);
        out.maybe_sent = true;
        out.failure_detail = "timed out waiting for the reply from " + host_port(ep->url);
        return true;
    }
    // The server closed the reused connection before answering: as beast_send_op, resend only
    // what is replay-safe, on a new connection (async_send makes it).
    if (req.replay_safe && closed_by_peer(xec) && !got_some) return false;
    ec = xec == http::error::body_limit ? make_error_code(error::response_too_large) : xec;
    out.maybe_sent = true;
    out.failure_detail = "exchange with " + host_port(ep->url) + ": " + xec.message();
    return true;
#endif
}

} // namespace detail

/// The Beast transport over executor type `Executor` (an io_context's by default).
template <class Executor = boost::asio::io_context::executor_type>
class basic_beast_transport {
public:
    /// The executor of its sockets, resolver and timers.
    using executor_type = Executor;

    /// A transport whose I/O runs on `ex`, with an empty connection pool. No connection is
    /// opened, and no TLS context built, before the first request.
    explicit basic_beast_transport(const Executor& ex, beast_transport_options opts = {})
        : st_(std::make_shared<detail::beast_transport_state<Executor>>(ex, std::move(opts)))
    {
    }

    /// The executor given to the constructor.
    executor_type get_executor() const noexcept { return st_->ex; }
    /// The settings given to the constructor.
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
    /// The handler runs through its associated executor, by default this transport's. A
    /// request refused before any I/O (not an absolute http(s) URL; a header name or value
    /// that is empty or holds CR, LF or NUL) completes inside this call.
    /// @par Per-operation cancellation
    /// Terminal cancellation (partial and total are not honoured) closes the connection,
    /// which is not reused, and completes with `asio::error::operation_aborted`. A signal
    /// during name resolution is not seen (Asio's resolver has no per-operation
    /// cancellation): the exchange then runs to its end, bounded by its timeouts.
    /// @par Object lifetimes
    /// `req` is taken over. The operation shares the transport's state (a shared pointer), so
    /// this object may go before the handler runs; its executor's context must not.
    template <class CompletionToken>
    auto async_send(http_request&& req, CompletionToken&& token)
    {
        return boost::asio::async_compose<CompletionToken, void(error_code, http_response)>(
            detail::beast_send_op<Executor>(st_, std::move(req)), token, st_->ex);
    }

    /// As `async_send`, but without taking the request over. The client uses it to keep a
    /// request for a retry without copying it.
    ///
    /// @param req the request; an absolute http(s) URL.
    /// @param token an Asio completion token.
    /// @par Handler signature
    /// `void(error_code, http_response)`, as `async_send`.
    /// @par Executor
    /// As `async_send`.
    /// @par Per-operation cancellation
    /// As `async_send`: terminal only, `asio::error::operation_aborted`.
    /// @par Object lifetimes
    /// `req` must stay alive and unchanged until the handler runs; otherwise as `async_send`.
    template <class CompletionToken>
    auto async_send_borrowed(const http_request& req, CompletionToken&& token)
    {
        return boost::asio::async_compose<CompletionToken, void(error_code, http_response)>(
            detail::beast_send_op<Executor>(st_, req), token, st_->ex);
    }

    /// Sends `req` and reads the whole reply on the calling thread, over an idle kept-alive
    /// connection to its host, waiting in poll() (bounded by the exchange deadline; after up
    /// to `reply_spin` of polling without sleeping) instead of through the executor: the
    /// synchronous forms of the client use it. Returns false, with
    /// nothing sent, when it cannot (no live idle connection to reuse, a TLS request of more
    /// than one record, Windows); the caller then uses `async_send`. Returns true with the
    /// outcome in `ec` and `out` otherwise, with the same errors, `maybe_sent` rules and
    /// timeouts as `async_send`.
    bool try_send_sync(const http_request& req, http_response& out, error_code& ec)
    {
        return detail::sync_exchange(*st_, req, out, ec);
    }

    /// Closes every idle connection.
    void close_idle()
    {
        std::lock_guard<std::mutex> lock(st_->mtx);
        for (auto& c : st_->idle) c->close();
        st_->idle.clear();
    }

    /// Idle keep-alive connections held now.
    std::size_t idle_connections() const
    {
        std::lock_guard<std::mutex> lock(st_->mtx);
        return st_->idle.size();
    }

    /// Connections opened since construction (a new connection per request means no reuse).
    std::size_t connections_opened() const
    {
        std::lock_guard<std::mutex> lock(st_->mtx);
        return st_->opened;
    }

private:
    std::shared_ptr<detail::beast_transport_state<Executor>> st_;
};

/// The Beast transport on an io_context.
using beast_transport = basic_beast_transport<>;

/// The client most programs want: the Beast transport on an io_context.
class client : public basic_client<beast_transport> {
public:
    /// A client on `ioc`'s executor. Handlers run there; sync forms run `ioc`.
    explicit client(boost::asio::io_context& ioc, client_options opts = {}, beast_transport_options topts = {})
        : basic_client<beast_transport>(beast_transport(ioc.get_executor(), std::move(topts)), std::move(opts))
    {
    }
    /// A client on `ex`, an io_context's executor. Handlers run there; sync forms run its io_context.
    explicit client(const boost::asio::io_context::executor_type& ex, client_options opts = {},
                    beast_transport_options topts = {})
        : basic_client<beast_transport>(beast_transport(ex, std::move(topts)), std::move(opts))
    {
    }
};

} // namespace akool

#endif
