// A peer for bench/run-peers.sh: the peers harness's hand-written Beast loop (beast_sync.cpp)
// with Beast's own timeouts. beast_sync's blocking http::write and http::read have none: a
// server that stops answering blocks it for ever. Here each request's write and read run
// asynchronously on the same keep-alive connection, under tcp_stream::expires_after (30 s),
// as Beast's examples do; the loop is a chain of callbacks under one io_context::run().
// Everything else is as in beast_sync: the same request, the same checks of each reply
// (Boost.JSON parse, every data._id), the same output line.
// usage: beast_timeout URL N      env: CA=tls/ca.crt  BATCH=1  NODELAY=1
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

static const char* env(const char* k, const char* d)
{
    const char* v = std::getenv(k);
    return v && *v ? v : d;
}

struct Url {
    bool tls;
    std::string host, port, target;
};

static Url parse_url(const std::string& s)  // scheme://host[:port][/target]
{
    Url u;
    u.tls = s.rfind("https://", 0) == 0;
    const auto hs = s.find("://") + 3, ts = s.find('/', hs);
    const std::string hp = s.substr(hs, ts - hs);
    const auto colon = hp.rfind(':');
    u.host = hp.substr(0, colon);
    u.port = colon == std::string::npos ? (u.tls ? "443" : "80") : hp.substr(colon + 1);
    u.target = ts == std::string::npos ? "/" : s.substr(ts);
    return u;
}

// N requests, one after the other: each arms the stream's timeout, writes, reads, checks.
template <class Stream>
struct timed_loop {
    Stream& s;
    long n;
    std::size_t batch;
    Clock::time_point t0;
    http::request<http::string_body> req;
    beast::flat_buffer buf{};
    http::response<http::string_body> res{};
    std::size_t idbytes = 0;
    long done = 0;
    double first_ms = 0;

    void next()
    {
        if (done == n) return;
        res = {};
        beast::get_lowest_layer(s).expires_after(std::chrono::seconds(30));
        http::async_write(s, req, [this](beast::error_code ec, std::size_t) {
            if (ec) throw std::runtime_error("write: " + ec.message());
            http::async_read(s, buf, res, [this](beast::error_code ec, std::size_t) {
                if (ec) throw std::runtime_error("read: " + ec.message());
                check();
                ++done;
                next();
            });
        });
    }

    void check()
    {
        const json::value jv = json::parse(res.body());
        const json::value& d = jv.at("data");
        if (d.is_array()) {
            for (const auto& o : d.get_array()) idbytes += o.at("_id").as_string().size();
        } else {
            idbytes += d.at("_id").as_string().size();
        }
        if (res.result_int() != 200 || !res.keep_alive() || idbytes != 24 * batch * static_cast<std::size_t>(done + 1))
            throw std::runtime_error("bad response: " + res.body());
        if (done == 0) first_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    }
};

template <class Stream>
static double run(net::io_context& ioc, Stream& s, const Url& u, long n, std::size_t batch, Clock::time_point t0)
{
    timed_loop<Stream> loop{s, n, batch, t0, {http::verb::post, u.target, 11}};
    loop.req.set(http::field::host, u.host + ":" + u.port);
    loop.req.set(http::field::content_type, "application/json");
    loop.req.set("x-api-key", "test-key");
    loop.req.body() = json::serialize(json::object{
        {"prompt", "A majestic mountain landscape at sunset with golden light"},
        {"scale", "16:9"},
        {"resolution", "4k"},
        {"batch_quantity", batch}});
    loop.req.prepare_payload();
    loop.next();
    ioc.run();
    if (loop.done != n) throw std::runtime_error("the loop stopped early");
    return loop.first_ms;
}

int main(int argc, char** argv)
try {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s URL N\n", argv[0]);
        return 2;
    }
    const Url u = parse_url(argv[1]);
    const long n = std::atol(argv[2]);
    const std::size_t batch = static_cast<std::size_t>(std::atoi(env("BATCH", "1")));
    const bool nodelay = std::atoi(env("NODELAY", "1")) != 0;
    net::io_context ioc;
    const auto t0 = Clock::now();
    const auto eps = tcp::resolver(ioc).resolve(u.host, u.port);
    double first_ms;
    if (!u.tls) {
        beast::tcp_stream s(ioc);
        s.connect(eps);
        s.socket().set_option(tcp::no_delay(nodelay));
        first_ms = run(ioc, s, u, n, batch, t0);
    } else {
        ssl::context ctx(ssl::context::tls_client);
        ctx.load_verify_file(env("CA", "tls/ca.crt"));
        ctx.set_verify_mode(ssl::verify_peer);
        beast::ssl_stream<beast::tcp_stream> s(ioc, ctx);
        boost::system::error_code ec;
        net::ip::make_address(u.host, ec);
        if (ec) SSL_set_tlsext_host_name(s.native_handle(), u.host.c_str());  // SNI for names only
        s.set_verify_callback(ssl::host_name_verification(u.host));
        beast::get_lowest_layer(s).connect(eps);
        beast::get_lowest_layer(s).socket().set_option(tcp::no_delay(nodelay));
        s.handshake(ssl::stream_base::client);
        first_ms = run(ioc, s, u, n, batch, t0);
        s.shutdown(ec);  // close_notify; errors (e.g. truncated) don't matter here
    }
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("beast_timeout n=%ld secs=%.3f first_ms=%.2f rps=%.1f\n", n, secs, first_ms, n / secs);
} catch (const std::exception& e) {
    std::fprintf(stderr, "beast_timeout: %s\n", e.what());
    return 1;
}
