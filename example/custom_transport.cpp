// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// custom_transport: the client over a transport of your own, here a blocking Linux socket
// (MSG_NOSIGNAL; on macOS set SO_NOSIGPIPE) speaking HTTP/1.0, one connection per request.
// Left out for brevity: https, the request's timeout and max_response_bytes, and cancellation
// (async_send blocks the io_context's thread until the reply); example/curl_transport.hpp has
// them all (transport.hpp lists every rule).
// Run: AKOOL_API_KEY=any AKOOL_BASE_URL=http://127.0.0.1:PORT ./custom_transport
#include <akool/client.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <string>
class posix_transport {
public:
    using executor_type = boost::asio::io_context::executor_type;
    explicit posix_transport(executor_type ex) : ex_(ex) {}
    executor_type get_executor() const { return ex_; }

    // Does the exchange at once, then posts the outcome to ex_, which runs the handler through its
    // associated executor: never inside async_send.
    template <class Handler>
    void async_send(akool::http_request&& req, Handler&& handler)
    {
        akool::http_response resp;
        akool::error_code ec = exchange(req, resp);
        boost::asio::post(ex_, boost::asio::append(std::forward<Handler>(handler), ec, std::move(resp)));
    }
    // The same exchange on the calling thread, for the client's synchronous calls.
    void send(const akool::http_request& req, akool::http_response& r, akool::error_code& ec) { ec = exchange(req, r); }

private:
    static akool::error_code exchange(const akool::http_request& req, akool::http_response& resp)
    {
        namespace errc = boost::system::errc;
        if (req.url.rfind("http://", 0) != 0) return errc::make_error_code(errc::protocol_not_supported);
        std::string rest = req.url.substr(7);
        std::string hostport = rest.substr(0, rest.find('/')), target = rest.substr(hostport.size());
        std::string host = hostport.substr(0, hostport.find(':'));
        std::string port = host.size() < hostport.size() ? hostport.substr(host.size() + 1) : "80";
        addrinfo hints{}, *ai = nullptr;
        hints.ai_socktype = SOCK_STREAM;
        if (getaddrinfo(host.c_str(), port.c_str(), &hints, &ai) != 0)
            return errc::make_error_code(errc::host_unreachable);
        int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        bool connected = fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0;
        freeaddrinfo(ai);
        if (!connected) {
            if (fd >= 0) close(fd);
            return errc::make_error_code(errc::connection_refused);
        }
        std::string out = std::string(akool::to_string(req.method)) + " " + (target.empty() ? "/" : target) +
                          " HTTP/1.0\r\nHost: " + hostport + "\r\nContent-Length: " +
                          std::to_string(req.body.size()) + "\r\n";
        for (const auto& f : req.headers) out += f.name + ": " + f.value + "\r\n";
        out += "\r\n" + req.body;
        resp.maybe_sent = true;  // from here on the server may have the request
        for (std::size_t sent = 0; sent < out.size();) {
            ssize_t k = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
            if (k <= 0) return close(fd), errc::make_error_code(errc::broken_pipe);
            sent += static_cast<std::size_t>(k);
        }
        std::string in;  // HTTP/1.0: the reply ends when the server closes
        char buf[16384];
        for (ssize_t k; (k = recv(fd, buf, sizeof buf, 0)) > 0;) in.append(buf, static_cast<std::size_t>(k));
        close(fd);
        std::size_t head_end = in.find("\r\n\r\n"), sp = in.find(' ');
        if (head_end == std::string::npos || sp == std::string::npos) return errc::make_error_code(errc::bad_message);
        resp.status = std::atoi(in.c_str() + sp + 1);
        for (std::size_t at = in.find("\r\n") + 2; at < head_end;) {  // header lines
            std::size_t eol = in.find("\r\n", at), colon = in.find(':', at);
            if (colon < eol) resp.headers.push_back({in.substr(at, colon - at), in.substr(colon + 2, eol - colon - 2)});
            at = eol + 2;
        }
        resp.body = in.substr(head_end + 4);
        akool::error_code ec;  // a 200 body goes to the request's sink when set (downloads stream to a file)
        if (req.body_sink && resp.status == 200 && !resp.body.empty()) req.body_sink(resp.body, ec), resp.body.clear();
        return ec;
    }
    executor_type ex_;
};
int main()
{
    akool::client_options opts;
    opts.api_key = std::getenv("AKOOL_API_KEY") ? std::getenv("AKOOL_API_KEY") : "";
    opts.base_url = std::getenv("AKOOL_BASE_URL") ? std::getenv("AKOOL_BASE_URL") : "http://127.0.0.1:8080";
    boost::asio::io_context ioc;
    akool::basic_client<posix_transport> client(posix_transport(ioc.get_executor()), opts);
    akool::error_code ec; akool::diagnostics diag;
    auto tasks = client.create(akool::image_request::text_to_image("A red bicycle in the rain"), ec, diag);
    if (ec) return std::fprintf(stderr, "create: %s (%s)\n", ec.message().c_str(), diag.summary().c_str()), 1;
    auto result = client.wait(tasks.front().id, {}, ec, diag);
    if (ec) return std::fprintf(stderr, "wait: %s (%s)\n", ec.message().c_str(), diag.summary().c_str()), 1;
    std::printf("%s\n", result.image_url.c_str());
}
