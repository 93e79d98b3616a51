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
/// - TCP_NODELAY, and the request head and body go out in one write.
/// Copies of a transport share one connection pool. All members are thread-safe.

#include <akool/client.hpp>
#include <akool/config.hpp>
#include <akool/error.hpp>
#include <akool/transport.hpp>
#include <akool/detail/url.hpp>

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
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace akool {

/// Settings of the Beast transport. The defaults suit the real service.
struct beast_transport_options {
    std::chrono::milliseconds resolve_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};
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
    std::string user_agent = "akool-cpp/" AKOOL_VERSION_STRING;
};

namespace detail {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

template <class Executor>
struct beast_connection {
    using tcp_stream = beast::basic_stream<tcp, Executor>;
    std::string key;  // "s|host|port" or "p|host|port"
    bool tls = false;
    std::optional<tcp_stream> plain;
    std::optional<net::ssl::stream<tcp_stream>> secure;
    beast::flat_buffer buffer;
    std::chrono::steady_clock::time_point idle_since;

    tcp_stream& stream() noexcept { return secure ? secure->next_layer() : *plain; }

    // True when the idle connection can carry a request: the server has not closed it, sent
    // anything unasked (a TLS alert, a stray byte), or reset it. One non-blocking peek.
    bool looks_alive() noexcept
    {
        auto& sock = stream().socket();
        if (!sock.is_open()) return false;
        error_code ec;
        sock.non_blocking(true, ec);
        if (ec) return false;
        char byte;
        sock.receive(net::buffer(&byte, 1), net::socket_base::message_peek, ec);
        error_code ignored;
        sock.non_blocking(false, ignored);
        return ec == net::error::would_block;
    }

    void close() noexcept
    {
        error_code ignored;
        stream().socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream().socket().close(ignored);
    }
};

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

    beast_transport_state(const Executor& e, beast_transport_options o) : ex(e), opts(std::move(o)) {}

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

    void give_back(std::unique_ptr<connection> c)
    {
        std::lock_guard<std::mutex> lock(mtx);
        std::size_t same = 0;
        for (auto& i : idle)
            if (i->key == c->key) ++same;
        if (same >= opts.max_idle_per_host) return c->close();
        c->idle_since = std::chrono::steady_clock::now();
        idle.push_back(std::move(c));
    }
};

inline std::string host_port(const url_parts& u)
{
    bool v6 = u.host.find(':') != std::string::npos;
    std::string s = v6 ? "[" + u.host + "]" : u.host;
    if (u.port != (u.tls ? 443 : 80)) s += ":" + std::to_string(u.port);
    return s;
}

inline std::string tls_failure_detail(SSL* ssl, const error_code& ec)
{
    long v = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
    if (v != X509_V_OK) return std::string("certificate verification failed: ") + X509_verify_cert_error_string(v);
    return "TLS handshake failed: " + ec.message();
}

template <class Executor>
class beast_send_op : net::coroutine {
    using state_type = beast_transport_state<Executor>;
    using connection = beast_connection<Executor>;

    struct op_state {
        std::shared_ptr<state_type> transport;
        http_request req;
        url_parts url;
        std::string key;
        std::unique_ptr<connection> conn;
        bool reused = false;
        bool resent = false;
        bool timed_out = false;
        http::request<http::string_body> msg;
        std::optional<http::response_parser<http::string_body>> parser;
        net::basic_waitable_timer<std::chrono::steady_clock, net::wait_traits<std::chrono::steady_clock>, Executor>
            timer;
        net::ip::basic_resolver<tcp, Executor> resolver;
        net::ip::basic_resolver_results<tcp> resolved;
        http_response out;

        op_state(std::shared_ptr<state_type> t, http_request r)
            : transport(std::move(t)), req(std::move(r)), timer(transport->ex), resolver(transport->ex)
        {
        }
    };
    std::shared_ptr<op_state> st_;

public:
    beast_send_op(std::shared_ptr<state_type> t, http_request req)
        : st_(std::make_shared<op_state>(std::move(t), std::move(req)))
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
        auto addr = net::ip::make_address(st.url.host, ec);
        if (ec) return false;
        st.resolved = net::ip::basic_resolver_results<tcp>::create(tcp::endpoint(addr, st.url.port), st.url.host,
                                                                   std::to_string(st.url.port));
        return true;
    }

    template <class Self>
    void fail(Self& self, error_code ec, std::string detail, bool maybe_sent)
    {
        auto& st = *st_;
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

    static bool closed_by_peer(const error_code& ec) noexcept
    {
        return ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
               ec == net::error::broken_pipe || ec == net::ssl::error::stream_truncated ||
               ec == http::error::partial_message;
    }

#include <boost/asio/yield.hpp>
    template <class Self>
    void step(Self& self, error_code ec)
    {
        auto& st = *st_;
        auto& opts = st.transport->opts;
        reenter(this)
        {
            if (!parse_http_url(st.req.url, st.url)) {
                return fail(self, make_error_code(error::invalid_url), "not an absolute http(s) URL", false);
            }
            st.key = (st.url.tls ? "s|" : "p|") + st.url.host + "|" + std::to_string(st.url.port);
            build_message();

            st.conn = st.transport->take_idle(st.key);
            st.reused = st.conn != nullptr;
            for (;;) {
                if (!st.conn) {
                    st.conn = std::make_unique<connection>();
                    st.conn->key = st.key;
                    st.conn->tls = st.url.tls;
                    st.conn->plain.emplace(st.transport->ex);
                    // Beast reads at most the buffer's free capacity (512 bytes when it has
                    // none): reserve room so that a large body arrives in few reads.
                    st.conn->buffer.reserve(32 * 1024);
                    if (!endpoint_from_literal()) {
                        yield start_resolve(self);
                        st.timer.cancel();
                        if (st.timed_out)
                            return fail(self, make_error_code(error::timeout), "timed out resolving " + st.url.host,
                                        false);
                        if (ec) return fail(self, ec, "cannot resolve " + st.url.host + ": " + ec.message(), false);
                    }
                    st.conn->plain->expires_after(clamp(opts.connect_timeout));
                    yield st.conn->plain->async_connect(st.resolved, std::move(self));
                    if (ec)
                        return fail(self, ec, "cannot connect to " + host_port(st.url) + ": " + ec.message(), false);
                    st.conn->plain->socket().set_option(tcp::no_delay(true), ec);
                    st.transport->opened++;
                    if (st.url.tls) {
                        {
                            std::string detail;
                            auto ctx = st.transport->tls_context(ec, detail);
                            if (!ctx) return fail(self, ec, detail, false);
                            auto plain = std::move(*st.conn->plain);
                            st.conn->plain.reset();
                            st.conn->secure.emplace(std::move(plain), *ctx);
                            if (!setup_tls(*st.conn->secure, ec))
                                return fail(self, ec, "TLS setup failed: " + ec.message(), false);
                        }
                        st.conn->stream().expires_after(clamp(opts.handshake_timeout));
                        yield st.conn->secure->async_handshake(net::ssl::stream_base::client, std::move(self));
                        if (ec)
                            return fail(self, ec,
                                        "TLS with " + host_port(st.url) + ": " +
                                            tls_failure_detail(st.conn->secure->native_handle(), ec),
                                        false);
                    }
                }

                st.conn->stream().expires_after(clamp(opts.request_timeout));
                yield {
                    if (st.conn->tls)
                        http::async_write(*st.conn->secure, st.msg, std::move(self));
                    else
                        http::async_write(*st.conn->plain, st.msg, std::move(self));
                }
                if (!ec) {
                    st.parser.emplace();
                    st.parser->body_limit(st.req.max_response_bytes ? st.req.max_response_bytes
                                                                    : opts.max_response_bytes);
                    yield {
                        if (st.conn->tls)
                            http::async_read(*st.conn->secure, st.conn->buffer, *st.parser, std::move(self));
                        else
                            http::async_read(*st.conn->plain, st.conn->buffer, *st.parser, std::move(self));
                    }
                }
                if (!ec) break;
                // A reused connection that the server closed before answering: the request
                // was not processed only if the server closed first, which we cannot know.
                // Resend only what is replay-safe, once, on a new connection.
                if (st.reused && !st.resent && st.req.replay_safe && closed_by_peer(ec) &&
                    !(st.parser && st.parser->got_some())) {
                    st.conn->close();
                    st.conn.reset();
                    st.reused = false;
                    st.resent = true;
                    continue;
                }
                return fail(self, ec,
                            (ec == beast::error::timeout ? "timed out waiting for the reply from "
                                                         : "exchange with ") +
                                host_port(st.url) +
                                (ec == beast::error::timeout ? std::string() : ": " + ec.message()),
                            true);
            }

            {
                auto res = st.parser->release();
                st.out.status = static_cast<int>(res.result_int());
                st.out.headers.reserve(8);
                for (auto const& f : res)
                    st.out.headers.push_back({std::string(f.name_string()), std::string(f.value())});
                bool keep = res.keep_alive();
                st.out.body = std::move(res.body());
                st.conn->stream().expires_never();
                if (keep)
                    st.transport->give_back(std::move(st.conn));
                else
                    st.conn->close();
                st.conn.reset();
                st.parser.reset();
            }
            self.complete(error_code{}, std::move(st.out));
        }
    }
#include <boost/asio/unyield.hpp>

    // A step's timeout, bounded by the request's own remaining time when it has one.
    std::chrono::milliseconds clamp(std::chrono::milliseconds step) const noexcept
    {
        auto t = st_->req.timeout;
        return t.count() > 0 && t < step ? t : step;
    }

    template <class Self>
    void start_resolve(Self& self)
    {
        auto& st = *st_;
        st.timed_out = false;
        st.timer.expires_after(clamp(st.transport->opts.resolve_timeout));
        std::weak_ptr<op_state> weak = st_;
        st.timer.async_wait([weak](error_code ec) {
            if (ec) return;
            if (auto s = weak.lock()) {
                s->timed_out = true;
                s->resolver.cancel();
            }
        });
        st.resolver.async_resolve(st.url.host, std::to_string(st.url.port), std::move(self));
    }

    void build_message()
    {
        auto& st = *st_;
        st.msg.method(st.req.method == http_method::post ? http::verb::post : http::verb::get);
        st.msg.target(st.url.target);
        st.msg.version(11);
        st.msg.set(http::field::host, host_port(st.url));
        st.msg.set(http::field::user_agent, st.transport->opts.user_agent);
        for (auto& h : st.req.headers) st.msg.set(h.name, h.value);
        st.msg.keep_alive(true);
        st.msg.body() = std::move(st.req.body);
        if (st.req.method == http_method::post || !st.msg.body().empty()) st.msg.prepare_payload();
    }

    bool setup_tls(net::ssl::stream<typename connection::tcp_stream>& s, error_code& ec)
    {
        auto& st = *st_;
        SSL* ssl = s.native_handle();
        error_code aec;
        net::ip::make_address(st.url.host, aec);
        bool is_ip = !aec;
        if (!is_ip && SSL_set_tlsext_host_name(ssl, st.url.host.c_str()) != 1) {
            ec = error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category());
            return false;
        }
        int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), st.url.host.c_str())
                       : SSL_set1_host(ssl, st.url.host.c_str());
        if (ok != 1) {
            ec = error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category());
            return false;
        }
        return true;
    }
};

} // namespace detail

/// The Beast transport over executor type `Executor` (an io_context's by default).
template <class Executor = boost::asio::io_context::executor_type>
class basic_beast_transport {
public:
    using executor_type = Executor;

    explicit basic_beast_transport(const Executor& ex, beast_transport_options opts = {})
        : st_(std::make_shared<detail::beast_transport_state<Executor>>(ex, std::move(opts)))
    {
    }

    executor_type get_executor() const noexcept { return st_->ex; }
    const beast_transport_options& options() const noexcept { return st_->opts; }

    /// Sends `req` and reads the whole reply. Handler: `void(error_code, http_response)`,
    /// run on the handler's associated executor (default: this transport's). Cancellation
    /// (terminal) closes the connection and completes with `operation_aborted`.
    template <class CompletionToken>
    auto async_send(http_request&& req, CompletionToken&& token)
    {
        return boost::asio::async_compose<CompletionToken, void(error_code, http_response)>(
            detail::beast_send_op<Executor>(st_, std::move(req)), token, st_->ex);
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

using beast_transport = basic_beast_transport<>;

/// The client most programs want: the Beast transport on an io_context.
class client : public basic_client<beast_transport> {
public:
    /// A client on `ioc`'s executor. Handlers run there; sync forms run `ioc`.
    explicit client(boost::asio::io_context& ioc, client_options opts = {}, beast_transport_options topts = {})
        : basic_client<beast_transport>(beast_transport(ioc.get_executor(), std::move(topts)), std::move(opts))
    {
    }
    explicit client(const boost::asio::io_context::executor_type& ex, client_options opts = {},
                    beast_transport_options topts = {})
        : basic_client<beast_transport>(beast_transport(ex, std::move(topts)), std::move(opts))
    {
    }
};

} // namespace akool

#endif
