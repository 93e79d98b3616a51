// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_TEST_HTTP_TEST_CLIENT_HPP
#define AKOOL_TEST_HTTP_TEST_CLIENT_HPP

/// @file http_test_client.hpp
/// A minimal synchronous HTTP/1.1 client over Boost.Beast for tests: plain or TLS, one
/// keep-alive connection, reconnects when the previous request failed or the server closed,
/// a deadline on every step. Independent of the library's own transport on purpose.

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace akool_test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using error_code = boost::system::error_code;

/// A reply as received.
struct http_reply {
    int status = 0;
    http::fields headers;
    std::string body;

    /// A header's value, empty when absent.
    std::string header(const std::string& name) const
    {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : std::string(it->value());
    }
};

/// The parts of an http(s) URL.
struct url_parts {
    bool tls = false;
    std::string host;
    std::string port;
    std::string target = "/";
};

/// Splits `http[s]://host[:port][/target]`; throws std::invalid_argument otherwise.
inline url_parts split_url(const std::string& url)
{
    url_parts u;
    std::string rest;
    if (url.rfind("https://", 0) == 0) {
        u.tls = true;
        rest = url.substr(8);
    } else if (url.rfind("http://", 0) == 0) {
        rest = url.substr(7);
    } else {
        throw std::invalid_argument("not an http(s) URL: " + url);
    }
    auto slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    if (slash != std::string::npos) u.target = rest.substr(slash);
    auto colon = authority.rfind(':');
    if (colon != std::string::npos && authority.find(']') == std::string::npos) {
        u.host = authority.substr(0, colon);
        u.port = authority.substr(colon + 1);
    } else {
        u.host = authority;
        u.port = u.tls ? "443" : "80";
    }
    return u;
}

/// A synchronous client bound to one origin (`http://host:port` or `https://host:port`).
class http_test_client {
public:
    /// For https origins, `ca_file` is the PEM CA the server's certificate must chain to;
    /// `verify_host` overrides the name checked against the certificate (default: the URL's host).
    explicit http_test_client(std::string base_url, std::string ca_file = {}, std::string verify_host = {})
        : origin_(split_url(base_url)), ssl_ctx_(asio::ssl::context::tls_client)
    {
        if (origin_.tls) {
            ssl_ctx_.set_verify_mode(asio::ssl::verify_peer);
            if (!ca_file.empty()) ssl_ctx_.load_verify_file(ca_file);
        }
        verify_host_ = verify_host.empty() ? origin_.host : verify_host;
    }

    /// Deadline for each connect, handshake, write and read.
    void set_timeout(std::chrono::milliseconds t) { timeout_ = t; }

    /// Whether a connection is currently open (it was not closed by either side as far as known).
    bool connected() const noexcept { return plain_ || tls_; }

    /// Sends a request and reads the reply. On any failure `ec` is set and the connection closed.
    http_reply request(http::verb method, const std::string& target, const std::string& body,
                       const std::vector<std::pair<std::string, std::string>>& headers, error_code& ec)
    {
        ec = {};
        http_reply out;
        if (!connected()) {
            connect(ec);
            if (ec) return out;
        }
        http::request<http::string_body> req(method, target, 11);
        req.set(http::field::host, origin_.host + ":" + origin_.port);
        req.set(http::field::user_agent, "akool-test-client");
        for (const auto& h : headers) req.set(h.first, h.second);
        if (!body.empty() || method == http::verb::post) {
            req.body() = body;
            if (req.find(http::field::content_type) == req.end()) req.set(http::field::content_type, "application/json");
        }
        req.keep_alive(true);
        req.prepare_payload();

        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        if (tls_)
            exchange(*tls_, req, parser, ec);
        else
            exchange(*plain_, req, parser, ec);
        if (ec) {
            close();
            return out;
        }
        auto& res = parser.get();
        out.status = static_cast<int>(res.result_int());
        for (const auto& f : res) out.headers.insert(f.name_string(), f.value());
        out.body = std::move(res.body());
        if (!res.keep_alive()) close();
        return out;
    }

    /// Throwing form (boost::system::system_error).
    http_reply request(http::verb method, const std::string& target, const std::string& body = {},
                       const std::vector<std::pair<std::string, std::string>>& headers = {})
    {
        error_code ec;
        auto r = request(method, target, body, headers, ec);
        if (ec) throw boost::system::system_error(ec, "http_test_client");
        return r;
    }

    /// GET `target`.
    http_reply get(const std::string& target, const std::vector<std::pair<std::string, std::string>>& headers = {})
    {
        return request(http::verb::get, target, {}, headers);
    }

    /// POST `body` to `target`.
    http_reply post(const std::string& target, const std::string& body,
                    const std::vector<std::pair<std::string, std::string>>& headers = {})
    {
        return request(http::verb::post, target, body, headers);
    }

    /// Closes the connection (no TLS close_notify).
    void close()
    {
        plain_.reset();
        tls_.reset();
    }

private:
    template <class Stream>
    void exchange(Stream& stream, http::request<http::string_body>& req,
                  http::response_parser<http::string_body>& parser, error_code& ec)
    {
        beast::get_lowest_layer(stream).expires_after(timeout_);
        http::async_write(stream, req, [&ec](error_code e, std::size_t) { ec = e; });
        run();
        if (ec) return;
        beast::get_lowest_layer(stream).expires_after(timeout_);
        http::async_read(stream, buffer_, parser, [&ec](error_code e, std::size_t) { ec = e; });
        run();
    }

    void run()
    {
        ioc_.restart();
        ioc_.run();
    }

    void connect(error_code& ec)
    {
        buffer_.clear();
        asio::ip::tcp::resolver resolver(ioc_);
        auto results = resolver.resolve(origin_.host, origin_.port, ec);
        if (ec) return;
        beast::tcp_stream tcp(ioc_);
        tcp.expires_after(timeout_);
        tcp.async_connect(results, [&ec](error_code e, const asio::ip::tcp::endpoint&) { ec = e; });
        run();
        if (ec) return;
        if (!origin_.tls) {
            plain_.emplace(std::move(tcp));
            return;
        }
        tls_.emplace(std::move(tcp), ssl_ctx_);
        // SNI only for names; an IP literal is checked against the certificate's IP SAN.
        boost::system::error_code aec;
        asio::ip::make_address(verify_host_, aec);
        if (aec && !SSL_set_tlsext_host_name(tls_->native_handle(), verify_host_.c_str())) {
            ec = error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
            tls_.reset();
            return;
        }
        tls_->set_verify_callback(asio::ssl::host_name_verification(verify_host_));
        beast::get_lowest_layer(*tls_).expires_after(timeout_);
        tls_->async_handshake(asio::ssl::stream_base::client, [&ec](error_code e) { ec = e; });
        run();
        if (ec) tls_.reset();
    }

    url_parts origin_;
    std::string verify_host_;
    asio::io_context ioc_;
    asio::ssl::context ssl_ctx_;
    std::optional<beast::tcp_stream> plain_;
    std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
    beast::flat_buffer buffer_;
    std::chrono::milliseconds timeout_{10000};
};

} // namespace akool_test

#endif
