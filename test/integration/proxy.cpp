// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// The Beast transport through an HTTP proxy (beast_transport_options::proxy), over real
// sockets with the forward proxy of test/common: http in absolute form, https through a
// CONNECT tunnel with TLS verified against the origin's name, proxy credentials, a proxy that
// refuses or is not there, NO_PROXY and http_proxy, and tunnels kept per origin. Sync and async.
#define BOOST_TEST_MODULE proxy_transport
#include <boost/test/unit_test.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <akool/beast_client.hpp>
#include <akool/beast_transport.hpp>
#include <akool/detail/base64.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/system/errc.hpp>

#include "forward_proxy.hpp"
#include "mini_server.hpp"
#include "test_certs.hpp"

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace bdata = boost::unit_test::data;
using akool_test::forward_proxy;
using akool_test::mini::action;
using akool_test::mini::server;
using request_t = http::request<http::string_body>;

namespace {

const std::string result_reply =
    R"({"code":1000,"msg":"OK","data":{"_id":"6650a1b2c3d4e5f6a7b8c9d0","image_status":2}})";

const akool_test::test_pki& pki() { return akool_test::shared_test_pki(); }

// An origin that records each request's target and Host header.
struct origin {
    std::mutex m;
    std::vector<std::string> targets, hosts, proxy_auth;
    server srv;

    explicit origin(bool tls)
        : srv(
              [this](const request_t& r) {
                  std::lock_guard<std::mutex> l(m);
                  targets.emplace_back(r.target());
                  hosts.emplace_back(r[http::field::host]);
                  proxy_auth.emplace_back(r[http::field::proxy_authorization]);
                  action a;
                  a.body = result_reply;
                  return a;
              },
              tls ? std::optional<akool_test::mini::tls_files>(akool_test::mini::tls_files{pki().server_cert,
                                                                                          pki().server_key})
                  : std::nullopt)
    {
    }
};

akool::beast_transport_options via(const std::string& proxy)
{
    akool::beast_transport_options t;
    t.proxy = proxy;
    t.ca_file = pki().ca_cert;
    t.connect_timeout = std::chrono::seconds(5);
    t.request_timeout = std::chrono::seconds(10);
    return t;
}

akool::client_options at(const std::string& base_url)
{
    akool::client_options o;
    o.base_url = base_url;
    o.api_key = "proxy-test-key";
    return o;
}

// A get-result through `c`, synchronous or asynchronous.
akool::error_code get(akool::client& c, asio::io_context& ioc, bool async, akool::diagnostics& diag)
{
    akool::error_code ec;
    if (!async) {
        c.get_result("6650a1b2c3d4e5f6a7b8c9d0", ec, diag);
        return ec;
    }
    c.async_get_result("6650a1b2c3d4e5f6a7b8c9d0", diag, [&](akool::error_code e, akool::image_result) { ec = e; });
    ioc.restart();
    ioc.run();
    return ec;
}

akool::retry_policy no_retries()
{
    akool::retry_policy p;
    p.max_retries = 0;
    return p;
}

// Two retries, 10 ms apart.
akool::retry_policy quick_retries()
{
    akool::retry_policy p;
    p.max_retries = 2;
    p.initial_backoff = std::chrono::milliseconds(10);
    p.growth = 1.0;
    p.jitter = 0;
    return p;
}

} // namespace

BOOST_DATA_TEST_CASE(http_goes_to_the_proxy_in_absolute_form, bdata::make({false, true}), async)
{
    origin o(false);
    forward_proxy proxy;
    asio::io_context ioc;
    akool::client c(ioc, at(o.srv.base_url()), via(proxy.url()));
    akool::diagnostics diag;
    auto ec = get(c, ioc, async, diag);
    BOOST_TEST_REQUIRE(!ec, ec.message() << " " << diag.summary());
    auto seen = proxy.seen();
    BOOST_TEST(seen.connects.empty());
    BOOST_TEST_REQUIRE(seen.absolute_urls.size() == 1u);
    const std::string authority = "127.0.0.1:" + std::to_string(o.srv.port());
    BOOST_TEST(seen.absolute_urls[0] ==
               "http://" + authority + "/api/open/v3/content/image/infobymodelid?image_model_id=6650a1b2c3d4e5f6a7b8c9d0");
    std::lock_guard<std::mutex> l(o.m);
    BOOST_TEST_REQUIRE(o.targets.size() == 1u);
    BOOST_TEST(o.targets[0].rfind("/api/open/v3/content/image/infobymodelid?", 0) == 0u);  // origin form
    BOOST_TEST(o.hosts[0] == authority);
}

BOOST_DATA_TEST_CASE(https_goes_through_a_connect_tunnel, bdata::make({false, true}), async)
{
    origin o(true);
    forward_proxy proxy;
    asio::io_context ioc;
    akool::client c(ioc, at(o.srv.base_url()), via(proxy.url()));
    akool::diagnostics diag;
    for (int i = 0; i < 3; ++i) {
        auto ec = get(c, ioc, async, diag);
        BOOST_TEST_REQUIRE(!ec, ec.message() << " " << diag.summary());
    }
    auto seen = proxy.seen();
    // One tunnel, kept alive and reused for the next requests to the same origin.
    BOOST_TEST_REQUIRE(seen.connects.size() == 1u);
    BOOST_TEST(seen.connects[0] == "127.0.0.1:" + std::to_string(o.srv.port()));
    BOOST_TEST(seen.absolute_urls.empty());
    BOOST_TEST(c.transport().connections_opened() == 1u);
    std::lock_guard<std::mutex> l(o.m);
    BOOST_TEST(o.targets.size() == 3u);
}

// The proxy resolves the origin; TLS is checked against the origin's name, not the proxy's:
// "localhost" is in the certificate, "not-in-cert.test" is not.
BOOST_AUTO_TEST_CASE(the_tunnel_checks_the_origin_name)
{
    origin o(true);
    forward_proxy proxy;
    proxy.alias("localhost");
    proxy.alias("not-in-cert.test");
    asio::io_context ioc;
    akool::diagnostics diag;
    {
        akool::client c(ioc, at(o.srv.base_url("localhost")), via(proxy.url()));
        auto ec = get(c, ioc, false, diag);
        BOOST_TEST(!ec, ec.message() << " " << diag.summary());
    }
    akool::client c(ioc, at(o.srv.base_url("not-in-cert.test")), via(proxy.url()));
    c.set_retry_policy(no_retries());
    auto ec = get(c, ioc, false, diag);
    BOOST_TEST(ec);
    BOOST_TEST(diag.client_message.find("certificate verification failed") != std::string::npos, diag.summary());
    auto seen = proxy.seen();
    BOOST_TEST_REQUIRE(seen.connects.size() == 2u);
    BOOST_TEST(seen.connects[1] == "not-in-cert.test:" + std::to_string(o.srv.port()));
    std::lock_guard<std::mutex> l(o.m);
    BOOST_TEST(o.targets.size() == 1u);  // nothing reached the origin over the unverified tunnel
}

BOOST_DATA_TEST_CASE(proxy_credentials_go_to_the_proxy_only, bdata::make({false, true}), tls)
{
    origin o(tls);
    forward_proxy proxy;
    proxy.require_authorization("Basic " + akool::detail::base64_encode("us@er:p:ss-9x"));
    asio::io_context ioc;
    const std::string hostport = "127.0.0.1:" + std::to_string(proxy.port());
    akool::client c(ioc, at(o.srv.base_url()), via("http://us%40er:p%3Ass-9x@" + hostport));
    akool::diagnostics diag;
    auto ec = get(c, ioc, false, diag);
    BOOST_TEST_REQUIRE(!ec, ec.message() << " " << diag.summary());
    {
        std::lock_guard<std::mutex> l(o.m);
        BOOST_TEST_REQUIRE(o.proxy_auth.size() == 1u);
        BOOST_TEST(o.proxy_auth[0].empty(), "the origin never sees the proxy's credentials");
    }
    // Wrong credentials: a clear error that does not repeat them, and one attempt (the same
    // credentials are refused again), whether the 407 answers a CONNECT or an http:// request.
    akool::client bad(ioc, at(o.srv.base_url()), via("http://us%40er:wrong-9x@" + hostport));
    bad.set_retry_policy(quick_retries());
    const std::size_t asked_before = proxy.seen().authorizations.size();
    ec = get(bad, ioc, false, diag);
    BOOST_TEST(ec);
    if (tls) {
        BOOST_TEST((ec == akool::error::proxy_refused), ec.message());
        BOOST_TEST(diag.client_message.find("407") != std::string::npos, diag.summary());
    } else {
        BOOST_TEST(diag.http_status == 407);  // the proxy's reply is the reply
    }
    BOOST_TEST(proxy.seen().authorizations.size() == asked_before + 1);
    BOOST_TEST(diag.summary().find("wrong-9x") == std::string::npos, diag.summary());
}

BOOST_DATA_TEST_CASE(a_refusing_proxy_is_a_clear_error, bdata::make({false, true}), async)
{
    origin o(true);
    forward_proxy proxy;
    proxy.refuse_connect(true);
    asio::io_context ioc;
    akool::client c(ioc, at(o.srv.base_url()), via(proxy.url()));
    c.set_retry_policy(quick_retries());
    akool::diagnostics diag;
    auto ec = get(c, ioc, async, diag);
    BOOST_TEST((ec == akool::error::proxy_refused), ec.message());
    BOOST_TEST(diag.client_message.find("proxy 127.0.0.1:" + std::to_string(proxy.port())) != std::string::npos,
               diag.summary());
    BOOST_TEST(diag.client_message.find("refused with HTTP 403") != std::string::npos, diag.summary());
    BOOST_TEST(proxy.seen().connects.size() == 1u);  // a policy's refusal is not asked again
    BOOST_TEST(o.srv.requests() == 0);
}

// A proxy that cannot reach the origin (502 to CONNECT): nothing reached it, so the request
// is tried again (errc::connection_refused: not sent, retried for a create too, as the
// outcome table of test/unit/sansio_exchange.cpp checks).
BOOST_DATA_TEST_CASE(a_proxy_bad_gateway_is_retried, bdata::make({false, true}), async)
{
    unsigned short closed_port = 0;
    {
        origin gone(true);
        closed_port = gone.srv.port();
    }
    forward_proxy proxy;
    asio::io_context ioc;
    akool::client c(ioc, at("https://127.0.0.1:" + std::to_string(closed_port)), via(proxy.url()));
    c.set_retry_policy(quick_retries());
    akool::diagnostics diag;
    auto ec = get(c, ioc, async, diag);
    BOOST_TEST(ec == boost::system::errc::connection_refused, ec.message());
    BOOST_TEST(diag.client_message.find("refused with HTTP 502") != std::string::npos, diag.summary());
    BOOST_TEST(proxy.seen().connects.size() == 3u);
}

BOOST_AUTO_TEST_CASE(a_proxy_that_is_not_there)
{
    origin o(true);
    unsigned short closed_port = 0;
    {
        forward_proxy gone;
        closed_port = gone.port();
    }
    asio::io_context ioc;
    akool::client c(ioc, at(o.srv.base_url()), via("http://127.0.0.1:" + std::to_string(closed_port)));
    c.set_retry_policy(no_retries());
    akool::diagnostics diag;
    auto ec = get(c, ioc, false, diag);
    BOOST_TEST(ec == boost::system::errc::connection_refused, ec.message());
    BOOST_TEST(diag.client_message.find("cannot connect to proxy 127.0.0.1:") != std::string::npos, diag.summary());
    BOOST_TEST(o.srv.requests() == 0);
}

BOOST_AUTO_TEST_CASE(no_proxy_and_http_proxy_send_requests_direct)
{
    forward_proxy proxy;
    asio::io_context ioc;
    akool::diagnostics diag;
    {
        origin o(true);
        auto t = via(proxy.url());
        t.no_proxy = "example.com, 127.0.0.1";
        akool::client c(ioc, at(o.srv.base_url()), t);
        BOOST_TEST(!get(c, ioc, false, diag), diag.summary());
        BOOST_TEST(o.srv.requests() == 1);
    }
    {
        origin o(false);
        auto t = via(proxy.url());
        t.http_proxy = "";  // http:// direct, https:// through `proxy`
        akool::client c(ioc, at(o.srv.base_url()), t);
        BOOST_TEST(!get(c, ioc, false, diag), diag.summary());
        BOOST_TEST(o.srv.requests() == 1);
    }
    auto seen = proxy.seen();
    BOOST_TEST(seen.connects.empty());
    BOOST_TEST(seen.absolute_urls.empty());
}

BOOST_AUTO_TEST_CASE(an_unusable_proxy_url_sends_nothing)
{
    origin o(false);
    asio::io_context ioc;
    akool::client c(ioc, at(o.srv.base_url()), via("socks5://127.0.0.1:1080"));
    akool::diagnostics diag;
    auto ec = get(c, ioc, false, diag);
    BOOST_TEST((ec == akool::error::invalid_url), ec.message());
    BOOST_TEST(diag.client_message.find("not http") != std::string::npos, diag.summary());
    BOOST_TEST(o.srv.requests() == 0);
}
