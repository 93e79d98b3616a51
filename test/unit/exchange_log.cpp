// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// The exchange log hook (client_options::on_exchange) over the scripted fake transport: one
// record per attempt, in every calling style, with its method, host, path (no query string),
// status, API code, attempt number, body bytes each way and the retry decision; never a
// credential.
#define BOOST_TEST_MODULE exchange_log
#include <boost/test/unit_test.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <akool/client.hpp>
#include <akool/fake_transport.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/system/errc.hpp>

#include "calling_styles.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace bdata = boost::unit_test::data;
namespace asio = boost::asio;
using akool_test::style;
using fake = akool::basic_fake_transport<asio::io_context::executor_type>;
using test_client = akool::basic_client<fake>;
using namespace std::chrono_literals;

namespace {

const std::string key = "log-secret-key-7d1c";

// An exchange_record with its views copied (they live only during the call).
struct record {
    std::string method, host, path;
    int status = 0, api_code = 0;
    akool::error_code ec;
    unsigned attempt = 0;
    std::chrono::microseconds duration{0};
    std::uint64_t sent = 0, received = 0;
    bool retry = false;
    std::chrono::milliseconds delay{0};
};

const char* result_reply =
    R"({"code":1000,"msg":"OK","data":{"_id":"6650a1b2c3d4e5f6a7b8c9d0","image_status":3,)"
    R"("image":"https://cdn.example.com/x.png"}})";

struct fixture {
    asio::io_context ioc;
    fake script{ioc.get_executor()};
    std::vector<record> log;
    test_client client{script, options()};
    akool::diagnostics diag;

    fixture()
    {
        akool::retry_policy p;
        p.max_retries = 2;
        p.initial_backoff = 1ms;
        p.jitter = 0;  // exact delays: 1 ms, then 2 ms
        client.set_retry_policy(p);
    }
    akool::client_options options()
    {
        akool::client_options o;
        o.base_url = "https://api.example.test:8443";
        o.api_key = key;
        o.on_exchange = [this](const akool::exchange_record& r) {
            log.push_back({std::string(r.method), std::string(r.host), std::string(r.path), r.http_status, r.api_code,
                           r.ec, r.attempt, r.duration, r.bytes_sent, r.bytes_received, r.will_retry, r.retry_delay});
        };
        return o;
    }
    auto get_result(style s, const std::string& id)
    {
        return akool_test::run<akool::image_result>(
            s, ioc, diag, [&](auto token) { return client.async_get_result(id, diag, std::move(token)); },
            [&](akool::error_code& ec) { return client.get_result(id, ec, diag); },
            [&] { return client.get_result(id); });
    }
    auto create(style s, const akool::image_request& req)
    {
        return akool_test::run<std::vector<akool::image_task>>(
            s, ioc, diag, [&](auto token) { return client.async_create(req, diag, std::move(token)); },
            [&](akool::error_code& ec) { return client.create(req, ec, diag); },
            [&] { return client.create(req); });
    }
};

const std::vector<style> styles = akool_test::all_styles();

} // namespace

BOOST_DATA_TEST_CASE(one_record_per_attempt_with_the_retry_decision, bdata::make(styles), s)
{
    fixture f;
    f.script.push_failure(make_error_code(boost::system::errc::connection_refused));
    f.script.push_reply(503, "busy");
    f.script.push_reply(200, result_reply);
    auto [ec, r] = f.get_result(s, "6650a1b2c3d4e5f6a7b8c9d0");
    BOOST_TEST_REQUIRE(!ec, ec.message());
    BOOST_TEST_REQUIRE(f.log.size() == 3u);
    for (unsigned i = 0; i < 3; ++i) {
        const auto& l = f.log[i];
        BOOST_TEST(l.method == "GET");
        BOOST_TEST(l.host == "api.example.test:8443");
        // The path only: the query string (here the task id) is never part of the record.
        BOOST_TEST(l.path == "/api/open/v3/content/image/infobymodelid");
        BOOST_TEST(l.attempt == i + 1);
        BOOST_TEST(l.sent == 0u);
        BOOST_TEST(l.duration.count() >= 0);
    }
    BOOST_TEST(f.log[0].status == 0);
    BOOST_TEST(f.log[0].ec == boost::system::errc::connection_refused);
    BOOST_TEST(f.log[0].received == 0u);
    BOOST_TEST(f.log[0].retry);
    BOOST_TEST(f.log[0].delay.count() == 1);
    BOOST_TEST(f.log[1].status == 503);
    BOOST_TEST(f.log[1].ec == akool::error::http_status);
    BOOST_TEST(f.log[1].received == 4u);  // "busy"
    BOOST_TEST(f.log[1].retry);
    BOOST_TEST(f.log[1].delay.count() == 2);
    BOOST_TEST(f.log[2].status == 200);
    BOOST_TEST(!f.log[2].ec);
    BOOST_TEST(f.log[2].received == std::string(result_reply).size());
    BOOST_TEST(!f.log[2].retry);
    BOOST_TEST(f.log[2].delay.count() == 0);
}

BOOST_DATA_TEST_CASE(a_refused_create_is_logged_once_with_its_api_code, bdata::make(styles), s)
{
    fixture f;
    f.script.push_reply(200, R"({"code":1101,"msg":"invalid authorization"})");
    auto req = akool::image_request::text_to_image("a lighthouse");
    auto [ec, tasks] = f.create(s, req);
    BOOST_TEST(ec == akool::error::api_invalid_authorization);
    BOOST_TEST_REQUIRE(f.log.size() == 1u);
    BOOST_TEST(f.log[0].method == "POST");
    BOOST_TEST(f.log[0].path == "/api/open/v4/content/image/createBySourcePrompt");
    BOOST_TEST(f.log[0].status == 200);
    BOOST_TEST(f.log[0].api_code == 1101);
    BOOST_TEST(f.log[0].ec == akool::error::api_invalid_authorization);
    BOOST_TEST(f.log[0].sent == f.script.sent().at(0).body.size());
    BOOST_TEST(f.log[0].sent > 0u);
    BOOST_TEST(!f.log[0].retry);
}

BOOST_DATA_TEST_CASE(an_ambiguous_create_is_not_retried_and_says_so, bdata::make(styles), s)
{
    fixture f;
    f.script.push_reply(500, "oops");
    auto [ec, tasks] = f.create(s, akool::image_request::text_to_image("a lighthouse"));
    BOOST_TEST(ec == akool::error::http_status);
    BOOST_TEST_REQUIRE(f.log.size() == 1u);
    BOOST_TEST(f.log[0].status == 500);
    BOOST_TEST(!f.log[0].retry);
    BOOST_TEST(f.script.sent().size() == 1u);
}

BOOST_DATA_TEST_CASE(a_streamed_download_counts_its_bytes_and_hides_the_query, bdata::make({false, true}), async)
{
    fixture f;
    f.script.set_sink_chunk(5);
    std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(100, 'x');
    f.script.push_reply(302, "", {{"Location", "https://cdn.example.test/img/b.png?X-Amz-Signature=abc123"}});
    f.script.push_reply(200, png);
    akool::error_code ec;
    std::string bytes;
    const std::string url = "https://cdn.example.test/img/a.png?token=sig-9f8e";
    if (async) {
        f.client.async_download(url, {}, f.diag, [&](akool::error_code e, std::string b) {
            ec = e;
            bytes = std::move(b);
        });
        f.ioc.run();
    } else {
        bytes = f.client.download(url, {}, ec, f.diag);
    }
    BOOST_TEST_REQUIRE(!ec, ec.message());
    BOOST_TEST(bytes == png);
    BOOST_TEST_REQUIRE(f.log.size() == 2u);  // one exchange per hop
    BOOST_TEST(f.log[0].host == "cdn.example.test");
    BOOST_TEST(f.log[0].path == "/img/a.png");
    BOOST_TEST(f.log[0].status == 302);
    BOOST_TEST(f.log[0].attempt == 1u);
    BOOST_TEST(f.log[1].path == "/img/b.png");
    BOOST_TEST(f.log[1].status == 200);
    BOOST_TEST(f.log[1].received == png.size());
    BOOST_TEST(f.log[1].attempt == 1u);
    for (const auto& l : f.log) {
        BOOST_TEST(l.path.find("sig-9f8e") == std::string::npos);
        BOOST_TEST(l.path.find("abc123") == std::string::npos);
        BOOST_TEST(l.host.find(key) == std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(no_hook_no_record_and_nothing_changes)
{
    asio::io_context ioc;
    fake script{ioc.get_executor()};
    akool::client_options o;
    o.base_url = "https://api.example.test";
    o.api_key = key;
    test_client client{script, o};
    script.push_reply(200, result_reply);
    akool::error_code ec;
    akool::diagnostics diag;
    auto r = client.get_result("6650a1b2c3d4e5f6a7b8c9d0", ec, diag);
    BOOST_TEST(!ec);
    BOOST_TEST(r.image_url == "https://cdn.example.com/x.png");
}
