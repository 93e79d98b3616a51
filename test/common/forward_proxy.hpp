// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_TEST_FORWARD_PROXY_HPP
#define AKOOL_TEST_FORWARD_PROXY_HPP

// A small HTTP forward proxy for tests, over real sockets (a thread per connection): CONNECT
// host:port opens a tunnel (then bytes are copied both ways), an absolute-form request
// (GET http://host:port/path) is sent on to the origin in origin form with Connection: close
// and its reply copied back. It records what it saw (CONNECT targets, absolute URLs, the
// Proxy-Authorization values), can refuse CONNECT (403) or ask for credentials (407), and maps
// host names to 127.0.0.1 (`alias`) so that a test can name an origin the resolver does not know.

#include <boost/asio/connect.hpp>
#include <boost/asio/buffers_iterator.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <cctype>
#include <istream>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <poll.h>
#include <sys/socket.h>

namespace akool_test {

class forward_proxy {
public:
    /// What the proxy saw.
    struct record {
        std::vector<std::string> connects;        ///< CONNECT targets (host:port)
        std::vector<std::string> absolute_urls;   ///< targets of absolute-form requests
        std::vector<std::string> authorizations;  ///< Proxy-Authorization values, one per request
    };

    forward_proxy() : acceptor_(ioc_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0))
    {
        accept_thread_ = std::thread([this] { accept_loop(); });
    }
    ~forward_proxy()
    {
        stopping_ = true;
        ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // wakes the blocked accept
        if (accept_thread_.joinable()) accept_thread_.join();
        boost::system::error_code ec;
        acceptor_.close(ec);
        std::list<std::thread> workers;
        {
            std::lock_guard<std::mutex> lock(mtx_);
            for (auto& c : clients_) ::shutdown(c->native_handle(), SHUT_RDWR);
            workers.swap(workers_);
        }
        for (auto& t : workers) t.join();
    }

    /// The proxy's URL, `http://127.0.0.1:PORT`.
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }
    unsigned short port() const { return acceptor_.local_endpoint().port(); }

    /// Answers every CONNECT with 403.
    void refuse_connect(bool on) { refuse_ = on; }
    /// Requires this exact Proxy-Authorization value (407 otherwise); empty: none required.
    void require_authorization(std::string value)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        required_auth_ = std::move(value);
    }
    /// Connects to 127.0.0.1 when a request names `host`.
    void alias(const std::string& host)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        aliases_[host] = "127.0.0.1";
    }
    /// What was seen so far.
    record seen() const
    {
        std::lock_guard<std::mutex> lock(mtx_);
        return record_;
    }

private:
    using tcp = boost::asio::ip::tcp;

    void accept_loop()
    {
        while (!stopping_) {
            auto sock = std::make_shared<tcp::socket>(ioc_);
            boost::system::error_code ec;
            acceptor_.accept(*sock, ec);
            if (ec) return;
            std::lock_guard<std::mutex> lock(mtx_);
            clients_.push_back(sock);  // kept open until the destructor: its fd is never reused meanwhile
            workers_.emplace_back([this, sock] {
                serve(*sock);
                ::shutdown(sock->native_handle(), SHUT_RDWR);  // the peer sees the end; the fd stays ours
            });
        }
    }

    static void reply(tcp::socket& s, const std::string& status)
    {
        boost::system::error_code ec;
        std::string text = "HTTP/1.1 " + status + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        boost::asio::write(s, boost::asio::buffer(text), ec);
    }

    // Copies bytes both ways until either side closes.
    static void splice(tcp::socket& a, tcp::socket& b)
    {
        char buf[16384];
        pollfd fds[2] = {{a.native_handle(), POLLIN, 0}, {b.native_handle(), POLLIN, 0}};
        for (;;) {
            if (::poll(fds, 2, 30000) <= 0) return;
            for (int i = 0; i < 2; ++i) {
                if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                ssize_t n = ::recv(fds[i].fd, buf, sizeof buf, 0);
                if (n <= 0) return;
                if (::send(fds[1 - i].fd, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) return;
            }
        }
    }

    // host:port of an authority, with aliases applied.
    bool connect_origin(tcp::socket& upstream, std::string host, const std::string& port)
    {
        {
            std::lock_guard<std::mutex> lock(mtx_);
            auto it = aliases_.find(host);
            if (it != aliases_.end()) host = it->second;
        }
        if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
        boost::system::error_code ec;
        tcp::resolver r(ioc_);
        auto results = r.resolve(host, port, ec);
        if (ec) return false;
        boost::asio::connect(upstream, results, ec);
        return !ec;
    }

    static void split_authority(const std::string& auth, std::string& host, std::string& port, const char* dflt)
    {
        auto c = auth.rfind(':');
        if (c == std::string::npos || auth.find(']', c) != std::string::npos) {
            host = auth;
            port = dflt;
        } else {
            host = auth.substr(0, c);
            port = auth.substr(c + 1);
        }
    }

    void serve(tcp::socket& client)
    {
        boost::asio::streambuf in;
        boost::system::error_code ec;
        boost::asio::read_until(client, in, "\r\n\r\n", ec);
        if (ec) return;
        std::istream is(&in);
        std::string method, target, version, line;
        is >> method >> target >> version;
        std::getline(is, line);
        std::vector<std::string> headers;
        std::string auth;
        std::size_t content_length = 0;
        while (std::getline(is, line) && line != "\r") {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            auto colon = line.find(':');
            std::string name = line.substr(0, colon);
            std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.erase(0, 1);
            std::string lower = name;
            for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            if (lower == "proxy-authorization") {
                auth = value;
                continue;  // for the proxy only: never forwarded
            }
            if (lower == "connection" || lower == "proxy-connection") continue;
            if (lower == "content-length") content_length = std::stoul(value);
            headers.push_back(name + ": " + value);
        }
        std::string required;
        {
            std::lock_guard<std::mutex> lock(mtx_);
            record_.authorizations.push_back(auth);
            if (method == "CONNECT")
                record_.connects.push_back(target);
            else
                record_.absolute_urls.push_back(target);
            required = required_auth_;
        }
        if (!required.empty() && auth != required) return reply(client, "407 Proxy Authentication Required");
        tcp::socket upstream(ioc_);
        if (method == "CONNECT") {
            if (refuse_) return reply(client, "403 Forbidden");
            std::string host, port;
            split_authority(target, host, port, "443");
            if (!connect_origin(upstream, host, port)) return reply(client, "502 Bad Gateway");
            const std::string ok = "HTTP/1.1 200 Connection established\r\n\r\n";
            boost::asio::write(client, boost::asio::buffer(ok), ec);
            if (ec) return;
            return splice(client, upstream);
        }
        // Absolute form: http://authority/path
        if (target.rfind("http://", 0) != 0) return reply(client, "400 Bad Request");
        std::string rest = target.substr(7);
        auto slash = rest.find('/');
        std::string authority = rest.substr(0, slash);
        std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
        std::string host, port;
        split_authority(authority, host, port, "80");
        if (!connect_origin(upstream, host, port)) return reply(client, "502 Bad Gateway");
        std::string out = method + " " + path + " " + version + "\r\n";
        for (auto& h : headers) out += h + "\r\n";
        out += "Connection: close\r\n\r\n";
        // The body: what read_until buffered past the header, then the rest.
        std::string body(boost::asio::buffers_begin(in.data()), boost::asio::buffers_end(in.data()));
        if (body.size() < content_length) {
            std::string more(content_length - body.size(), '\0');
            boost::asio::read(client, boost::asio::buffer(more), ec);
            if (ec) return;
            body += more;
        }
        out += body;
        boost::asio::write(upstream, boost::asio::buffer(out), ec);
        if (ec) return;
        splice(client, upstream);  // the reply, until the origin closes (Connection: close)
    }

    boost::asio::io_context ioc_;
    tcp::acceptor acceptor_;
    std::thread accept_thread_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> refuse_{false};
    mutable std::mutex mtx_;
    std::list<std::thread> workers_;
    std::vector<std::shared_ptr<tcp::socket>> clients_;
    std::map<std::string, std::string> aliases_;
    std::string required_auth_;
    record record_;
};

} // namespace akool_test

#endif
