// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_TEST_MINI_SERVER_HPP
#define AKOOL_TEST_MINI_SERVER_HPP

// A tiny scripted HTTP/1.1 server for transport tests: a thread per connection, synchronous
// Beast, optional TLS. Each request is answered by a user function, which may also delay,
// drop the connection without answering, or close it after answering. It counts requests and
// connections, and can close every idle keep-alive connection from the server side.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>

namespace akool_test {

namespace mini {
namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

struct action {
    int status = 200;
    std::string body = R"({"code":1000,"msg":"OK"})";
    std::vector<std::pair<std::string, std::string>> headers;
    std::chrono::milliseconds delay{0};
    bool drop = false;         // close the connection without answering
    bool close_after = false;  // answer with Connection: close, then close
};

struct tls_files {
    std::string cert;
    std::string key;
};

class server {
public:
    using handler_type = std::function<action(const http::request<http::string_body>&)>;

    explicit server(handler_type h, std::optional<tls_files> tls = std::nullopt)
        : handler_(std::move(h)), acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0))
    {
        if (tls) {
            ssl_.emplace(net::ssl::context::tls_server);
            ssl_->use_certificate_chain_file(tls->cert);
            ssl_->use_private_key_file(tls->key, net::ssl::context::pem);
        }
        port_ = acceptor_.local_endpoint().port();
        accept_thread_ = std::thread([this] { accept_loop(); });
    }

    ~server() { stop(); }

    unsigned short port() const { return port_; }
    std::string base_url(const std::string& host = "127.0.0.1") const
    {
        return std::string(ssl_ ? "https://" : "http://") + host + ":" + std::to_string(port_);
    }
    int requests() const { return requests_.load(); }
    int connections() const { return connections_.load(); }
    // The SNI host name of each TLS connection the server completed a handshake on, in order
    // ("" when the client sent none).
    std::vector<std::string> server_names() const
    {
        std::lock_guard<std::mutex> lock(mtx_);
        return server_names_;
    }

    // Closes every open connection from the server side (as an idle timeout would).
    void close_connections()
    {
        std::lock_guard<std::mutex> lock(mtx_);
        for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    }

    void stop()
    {
        if (stopped_.exchange(true)) return;
        // shutdown() wakes the blocked accept; the acceptor is closed once its thread is gone
        // (closing it under a running accept is a data race, which ThreadSanitizer reports).
        ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
        if (accept_thread_.joinable()) accept_thread_.join();
        boost::system::error_code ec;
        acceptor_.close(ec);
        close_connections();
        std::list<std::thread> threads;
        {
            std::lock_guard<std::mutex> lock(mtx_);
            threads.swap(threads_);
        }
        for (auto& t : threads) t.join();
    }

private:
    void accept_loop()
    {
        while (!stopped_) {
            tcp::socket sock(ioc_);
            boost::system::error_code ec;
            acceptor_.accept(sock, ec);
            if (ec || stopped_) return;
            ++connections_;
            std::lock_guard<std::mutex> lock(mtx_);
            fds_.push_back(sock.native_handle());
            threads_.emplace_back([this, s = std::move(sock)]() mutable { serve(std::move(s)); });
        }
    }

    void serve(tcp::socket sock)
    {
        int fd = sock.native_handle();
        if (ssl_) {
            net::ssl::stream<tcp::socket> stream(std::move(sock), *ssl_);
            boost::system::error_code ec;
            stream.handshake(net::ssl::stream_base::server, ec);
            if (!ec) {
                const char* sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
                {
                    std::lock_guard<std::mutex> lock(mtx_);
                    server_names_.push_back(sni ? sni : "");
                }
                session(stream);
            }
        } else {
            session(sock);
        }
        std::lock_guard<std::mutex> lock(mtx_);
        for (auto it = fds_.begin(); it != fds_.end(); ++it)
            if (*it == fd) {
                fds_.erase(it);
                break;
            }
    }

    template <class Stream>
    void session(Stream& stream)
    {
        boost::beast::flat_buffer buf;
        for (;;) {
            http::request<http::string_body> req;
            boost::system::error_code ec;
            http::read(stream, buf, req, ec);
            if (ec) return;
            ++requests_;
            action a = handler_(req);
            if (a.delay.count() > 0) std::this_thread::sleep_for(a.delay);
            if (a.drop) return;
            http::response<http::string_body> res{static_cast<http::status>(a.status), 11};
            res.set(http::field::content_type, "application/json");
            for (auto& h : a.headers) res.set(h.first, h.second);
            res.body() = a.body;
            res.keep_alive(!a.close_after && req.keep_alive());
            res.prepare_payload();
            http::write(stream, res, ec);
            if (ec || a.close_after || !req.keep_alive()) return;
        }
    }

    handler_type handler_;
    net::io_context ioc_;
    std::optional<net::ssl::context> ssl_;
    tcp::acceptor acceptor_;
    unsigned short port_ = 0;
    std::thread accept_thread_;
    std::atomic<bool> stopped_{false};
    std::atomic<int> requests_{0};
    std::atomic<int> connections_{0};
    mutable std::mutex mtx_;
    std::vector<int> fds_;
    std::vector<std::string> server_names_;
    std::list<std::thread> threads_;
};

} // namespace mini
} // namespace akool_test

#endif
