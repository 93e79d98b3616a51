// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// The Beast transport and the client over real sockets: keep-alive reuse, stale connections,
// never resending a create, timeouts, limits, cancellation, and TLS verification.
#define BOOST_TEST_MODULE beast_transport
#include <boost/test/unit_test.hpp>

#include <akool/beast_transport.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>

#include "calling_styles.hpp"
#include "mini_server.hpp"
#include "test_certs.hpp"

#include <atomic>
#include <chrono>
#include <thread>

namespace asio = boost::asio;
namespace http = boost::beast::http;
using akool_test::mini::action;
using akool_test::mini::server;
using request_t = http::request<http::string_body>;

namespace {

const std::string single_reply =
    R"({"code":1000,"msg":"OK","data":{"_id":"6650a1b2c3d4e5f6a7b8c9d0","image_status":1,"sub_type":40001}})";
const std::string result_reply =
    R"({"code":1000,"msg":"OK","data":{"_id":"6650a1b2c3d4e5f6a7b8c9d0","image_status":2}})";

akool::image_request text_request()
{
    auto r = akool::image_request::text_to_image("A majestic mountain landscape at sunset with golden light");
    r.scale = akool::image_scale::ratio_16_9;
    r.resolution = akool::image_resolution::k4;
    r.batch_quantity = 1;
    return r;
}

action reply_for(const request_t& req)
{
    action a;
    a.body = req.method() == http::verb::post ? single_reply : result_reply;
    return a;
}

akool::client_options options_for(const server& s, const std::string& host = "127.0.0.1")
{
    akool::client_options o;
    o.base_url = s.base_url(host);
    o.api_key = "test-key";
    return o;
}

const akool_test::test_pki& pki()
{
    static const akool_test::test_pki p = akool_test::make_test_pki(akool_test::make_temp_dir());
    return p;
}

} // namespace

BOOST_AUTO_TEST_CASE(create_over_http_sends_the_documented_request)
{
    std::mutex m;
    request_t seen;
    server srv([&](const request_t& r) {
        std::lock_guard<std::mutex> l(m);
        seen = r;
        return reply_for(r);
    });
    asio::io_context ioc;
    akool::client c(ioc, options_for(srv));
    akool::error_code ec;
    akool::diagnostics diag;
    auto tasks = c.create(text_request(), ec, diag);
    BOOST_TEST(!ec, ec.message() << " " << diag.summary());
    BOOST_REQUIRE_EQUAL(tasks.size(), 1u);
    BOOST_TEST(tasks[0].id == "6650a1b2c3d4e5f6a7b8c9d0");
    std::lock_guard<std::mutex> l(m);
    BOOST_TEST(seen.method() == http::verb::post);
    BOOST_TEST(std::string(seen.target()) == "/api/open/v4/content/image/createBySourcePrompt");
    BOOST_TEST(std::string(seen[http::field::host]) == "127.0.0.1:" + std::to_string(srv.port()));
    BOOST_TEST(std::string(seen["x-api-key"]) == "test-key");
    BOOST_TEST(std::string(seen[http::field::content_type]) == "application/json");
    BOOST_TEST(seen.body() == akool::encode_image_request(text_request()));
}

BOOST_AUTO_TEST_CASE(keep_alive_reuses_one_connection)
{
    server srv(reply_for);
    asio::io_context ioc;
    akool::client c(ioc, options_for(srv));
    for (int i = 0; i < 25; ++i) {
        akool::error_code ec;
        c.create(text_request(), ec);
        BOOST_REQUIRE(!ec);
        c.get_result("6650a1b2c3d4e5f6a7b8c9d0", ec);
        BOOST_REQUIRE(!ec);
    }
    BOOST_TEST(srv.requests() == 50);
    BOOST_TEST(srv.connections() == 1);
    BOOST_TEST(c.transport().connections_opened() == 1u);
}

BOOST_AUTO_TEST_CASE(idle_connection_closed_by_server_is_not_reused_for_a_create)
{
    server srv(reply_for);
    asio::io_context ioc;
    akool::client c(ioc, options_for(srv));
    akool::error_code ec;
    c.create(text_request(), ec);
    BOOST_REQUIRE(!ec);
    srv.close_connections();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the FIN arrive
    akool::diagnostics diag;
    c.create(text_request(), ec, diag);
    BOOST_TEST(!ec, ec.message() << " " << diag.summary());
    BOOST_TEST(srv.requests() == 2, "each create reached the server exactly once");
    BOOST_TEST(srv.connections() == 2);
}

BOOST_AUTO_TEST_CASE(create_dropped_on_a_reused_connection_is_never_resent)
{
    std::atomic<int> n{0};
    server srv([&](const request_t& r) {
        action a = reply_for(r);
        if (++n == 2) a.drop = true;  // the second request is read, then the connection closes
        return a;
    });
    asio::io_context ioc;
    akool::client c(ioc, options_for(srv));
    akool::error_code ec;
    akool::diagnostics diag;
    c.create(text_request(), ec, diag);
    BOOST_REQUIRE(!ec);
    c.create(text_request(), ec, diag);
    BOOST_TEST(ec == akool::error::outcome_unknown, ec.message());
    BOOST_TEST(diag.client_message.find("may have been processed") != std::string::npos, diag.client_message);
    BOOST_TEST(srv.requests() == 2, "the dropped create must not be sent again");
}

BOOST_AUTO_TEST_CASE(get_dropped_on_a_reused_connection_is_resent_once)
{
    std::atomic<int> n{0};
    server srv([&](const request_t& r) {
        action a = reply_for(r);
        if (++n == 2) a.drop = true;
        return a;
    });
    asio::io_context ioc;
    akool::client c(ioc, options_for(srv));
    akool::error_code ec;
    akool::diagnostics diag;
    c.get_result("a", ec, diag);
    BOOST_REQUIRE(!ec);
    auto r = c.get_result("a", ec, diag);
    BOOST_TEST(!ec, ec.message() << " " << diag.summary());
    BOOST_TEST((r.status == akool::image_status::processing));
    BOOST_TEST(srv.requests() == 3);
    BOOST_TEST(srv.connections() == 2);
}

BOOST_AUTO_TEST_CASE(request_timeout_is_enforced)
{
    server srv([](const request_t& r) {
        action a = reply_for(r);
        a.delay = std::chrono::milliseconds(1500);
        return a;
    });
    asio::io_context ioc;
    akool::beast_transport_options t;
    t.request_timeout = std::chrono::milliseconds(150);
    akool::client c(ioc, options_for(srv), t);
    akool::error_code ec;
    akool::diagnostics diag;
    auto start = std::chrono::steady_clock::now();
    c.create(text_request(), ec, diag);
    auto took = std::chrono::steady_clock::now() - start;
    BOOST_TEST(ec == akool::error::outcome_unknown, "a create that timed out after sending may have been processed");
    BOOST_TEST(diag.client_message.find("timed out") != std::string::npos, diag.client_message);
    BOOST_TEST((took < std::chrono::milliseconds(1400)), "the reply was not awaited");
    c.get_result("a", ec, diag);
    BOOST_TEST(ec == akool::error::timeout, ec.message());
}

BOOST_AUTO_TEST_CASE(connection_refused_is_reported_as_not_sent)
{
    unsigned short port;
    {
        asio::io_context tmp;
        asio::ip::tcp::acceptor a(tmp, {asio::ip::make_address("127.0.0.1"), 0});
        port = a.local_endpoint().port();
    }
    asio::io_context ioc;
    akool::client_options o;
    o.base_url = "http://127.0.0.1:" + std::to_string(port);
    o.api_key = "k";
    akool::client c(ioc, o);
    akool::error_code ec;
    akool::diagnostics diag;
    c.create(text_request(), ec, diag);
    BOOST_TEST(ec == asio::error::connection_refused, ec.message());
    BOOST_TEST(diag.client_message.find("cannot connect") != std::string::npos, diag.client_message);
}

BOOST_AUTO_TEST_CASE(response_body_limit)
{
    server srv([](const request_t&) {
        action a;
        a.body = std::string(2 << 20, 'x');
        return a;
    });
    asio::io_context ioc;
    akool::client_options o = options_for(srv);
    o.max_response_bytes = 1 << 20;
    akool::client c(ioc, o);
    akool::error_code ec;
    c.get_result("a", ec);
    BOOST_TEST(ec == akool::error::response_too_large, ec.message());
}

BOOST_AUTO_TEST_CASE(absolute_urls_to_other_hosts_share_the_pool)
{
    server api(reply_for);
    server cdn([](const request_t&) {
        action a;
        a.body = "PNGDATA";
        a.headers.push_back({"Content-Type", "image/png"});
        return a;
    });
    asio::io_context ioc;
    akool::beast_transport t(ioc.get_executor());
    for (int i = 0; i < 3; ++i) {
        for (auto* s : {&api, &cdn}) {
            akool::http_request req;
            req.url = s->base_url() + "/files/x.png";
            akool::error_code got;
            akool::http_response res;
            t.async_send(std::move(req), [&](akool::error_code e, akool::http_response r) {
                got = e;
                res = std::move(r);
            });
            ioc.restart();
            ioc.run();
            BOOST_REQUIRE(!got);
            BOOST_TEST(res.status == 200);
        }
    }
    BOOST_TEST(t.connections_opened() == 2u);
    BOOST_TEST(t.idle_connections() == 2u);
    BOOST_TEST(api.connections() == 1);
    BOOST_TEST(cdn.connections() == 1);
}

BOOST_AUTO_TEST_CASE(cancellation_stops_an_exchange_in_flight)
{
    server srv([](const request_t& r) {
        action a = reply_for(r);
        a.delay = std::chrono::milliseconds(1500);
        return a;
    });
    asio::io_context ioc;
    akool::client c(ioc, options_for(srv));
    asio::cancellation_signal sig;
    akool::error_code got;
    bool done = false;
    c.async_get_result("a", asio::bind_cancellation_slot(sig.slot(), [&](akool::error_code e, akool::image_result) {
                           got = e;
                           done = true;
                       }));
    asio::steady_timer timer(ioc, std::chrono::milliseconds(100));
    timer.async_wait([&](akool::error_code) { sig.emit(asio::cancellation_type::terminal); });
    auto start = std::chrono::steady_clock::now();
    ioc.run();
    BOOST_TEST(done);
    BOOST_TEST(got == asio::error::operation_aborted, got.message());
    BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1400)));
    BOOST_TEST(c.transport().idle_connections() == 0u, "a cancelled connection is not reused");
}

BOOST_AUTO_TEST_CASE(tls_with_trusted_ca_for_ip_and_name)
{
    server srv(reply_for, akool_test::mini::tls_files{pki().server_cert, pki().server_key});
    for (const char* host : {"127.0.0.1", "localhost"}) {
        asio::io_context ioc;
        akool::beast_transport_options t;
        t.ca_file = pki().ca_cert;
        akool::client c(ioc, options_for(srv, host), t);
        akool::error_code ec;
        akool::diagnostics diag;
        for (int i = 0; i < 3; ++i) {
            auto tasks = c.create(text_request(), ec, diag);
            BOOST_TEST(!ec, host << ": " << ec.message() << " " << diag.summary());
            BOOST_TEST(tasks.size() == 1u);
        }
        BOOST_TEST(c.transport().connections_opened() == 1u);
    }
}

namespace {
std::string tls_failure(const std::string& cert, const std::string& key, const std::string& ca_file,
                        const std::string& host = "127.0.0.1")
{
    server srv(reply_for, akool_test::mini::tls_files{cert, key});
    asio::io_context ioc;
    akool::beast_transport_options t;
    t.ca_file = ca_file;
    akool::client c(ioc, options_for(srv, host), t);
    akool::error_code ec;
    akool::diagnostics diag;
    c.create(text_request(), ec, diag);
    BOOST_TEST(ec, "the connection must be refused");
    BOOST_TEST(ec != akool::error::outcome_unknown, "nothing was sent");
    BOOST_TEST(srv.requests() == 0);
    return diag.client_message;
}
} // namespace

BOOST_AUTO_TEST_CASE(tls_unknown_ca_is_refused)
{
    auto msg = tls_failure(pki().self_signed_cert, pki().self_signed_key, pki().ca_cert);
    BOOST_TEST(msg.find("certificate verification failed") != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(tls_system_store_does_not_trust_the_test_ca)
{
    auto msg = tls_failure(pki().server_cert, pki().server_key, "");
    BOOST_TEST(msg.find("certificate verification failed") != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(tls_wrong_host_name_is_refused)
{
    auto msg = tls_failure(pki().wrong_host_cert, pki().server_key, pki().ca_cert, "localhost");
    BOOST_TEST(msg.find("ostname mismatch") != std::string::npos, msg);
    auto msg_ip = tls_failure(pki().wrong_host_cert, pki().server_key, pki().ca_cert, "127.0.0.1");
    BOOST_TEST(msg_ip.find("IP address mismatch") != std::string::npos, msg_ip);
}

BOOST_AUTO_TEST_CASE(tls_expired_certificate_is_refused)
{
    auto msg = tls_failure(pki().expired_cert, pki().server_key, pki().ca_cert);
    BOOST_TEST(msg.find("expired") != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(tls_bad_ca_file_is_reported)
{
    server srv(reply_for, akool_test::mini::tls_files{pki().server_cert, pki().server_key});
    asio::io_context ioc;
    akool::beast_transport_options t;
    t.ca_file = pki().dir + "/does-not-exist.pem";
    akool::client c(ioc, options_for(srv), t);
    akool::error_code ec;
    akool::diagnostics diag;
    c.create(text_request(), ec, diag);
    BOOST_TEST(ec);
    BOOST_TEST(diag.client_message.find("does-not-exist.pem") != std::string::npos, diag.client_message);
}

BOOST_AUTO_TEST_CASE(tls_handshake_timeout)
{
    // A listener that never accepts: TCP connects (the kernel's backlog), TLS never answers.
    asio::io_context lioc;
    asio::ip::tcp::acceptor silent(lioc, {asio::ip::make_address("127.0.0.1"), 0});
    asio::io_context ioc;
    akool::client_options o;
    o.base_url = "https://127.0.0.1:" + std::to_string(silent.local_endpoint().port());
    o.api_key = "k";
    akool::beast_transport_options t;
    t.handshake_timeout = std::chrono::milliseconds(150);
    t.ca_file = pki().ca_cert;
    akool::client c(ioc, o, t);
    akool::error_code ec;
    akool::diagnostics diag;
    c.create(text_request(), ec, diag);
    BOOST_TEST(ec == akool::error::timeout, ec.message() << " " << diag.client_message);
}
