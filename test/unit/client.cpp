// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// basic_client over the scripted fake transport: every operation, every calling style.
#define BOOST_TEST_MODULE client
#include <boost/test/unit_test.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <akool/batch_journal.hpp>
#include <akool/client.hpp>
#include <akool/fake_transport.hpp>
#include <akool/json.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/io_context.hpp>

#include "calling_styles.hpp"

namespace bdata = boost::unit_test::data;
namespace asio = boost::asio;
using akool_test::style;
using fake = akool::basic_fake_transport<asio::io_context::executor_type>;
using test_client = akool::basic_client<fake>;

namespace {

const char* single_reply =
    R"({"code":1000,"msg":"OK","data":{"_id":"6650a1b2c3d4e5f6a7b8c9d0","uid":378337,"team_id":"team_123456",)"
    R"("create_time":1716859314633,"prompt":"A majestic mountain landscape at sunset with golden light",)"
    R"("image_status":1,"deduction_credit":1,"model_name":"wavespeed-ai/flux-krea-dev-lora","type":4,"from":4,)"
    R"("sub_type":40001,"file_name":"ImageGenerator_1716859314633.png"}})";

std::string batch_reply(int n)
{
    std::string s = R"({"code":1000,"msg":"OK","data":[)";
    for (int i = 0; i < n; ++i) {
        if (i) s += ",";
        s += R"({"_id":"6650a1b2c3d4e5f6a7b8c9d)" + std::to_string(i) + R"(","image_status":1,"sub_type":40001})";
    }
    return s + "]}";
}

const char* result_reply =
    R"({"code":1000,"msg":"OK","data":{"_id":"6650a1b2c3d4e5f6a7b8c9d0","create_time":1716859314633,"uid":378337,)"
    R"("type":4,"image_status":3,"image":"https://cdn.example.com/x.png","deduction_credit":1,"buttons":[],)"
    R"("used_buttons":[],"upscaled_urls":[]}})";

akool::client_options opts()
{
    akool::client_options o;
    o.base_url = "https://api.example.test";
    o.api_key = "secret-key-123";
    return o;
}

akool::image_request seed_text_request()
{
    auto r = akool::image_request::text_to_image("A majestic mountain landscape at sunset with golden light");
    r.scale = akool::image_scale::ratio_16_9;
    r.resolution = akool::image_resolution::k4;
    r.batch_quantity = 1;
    return r;
}

struct fixture {
    asio::io_context ioc;
    fake script{ioc.get_executor()};
    test_client client{script, opts()};
    akool::diagnostics diag;

    // The retry policy has its own tests (retry.cpp); here one request means one reply.
    fixture()
    {
        akool::retry_policy none;
        none.max_retries = 0;
        client.set_retry_policy(none);
    }

    auto create(style s, const akool::image_request& req)
    {
        return akool_test::run<std::vector<akool::image_task>>(
            s, ioc, diag, [&](auto token) { return client.async_create(req, diag, std::move(token)); },
            [&](akool::error_code& ec) { return client.create(req, ec, diag); },
            [&] { return client.create(req); });
    }
    auto get_result(style s, const std::string& id)
    {
        return akool_test::run<akool::image_result>(
            s, ioc, diag, [&](auto token) { return client.async_get_result(id, diag, std::move(token)); },
            [&](akool::error_code& ec) { return client.get_result(id, ec, diag); },
            [&] { return client.get_result(id); });
    }
    auto get_token(style s, const akool::client_credentials& c)
    {
        return akool_test::run<std::string>(
            s, ioc, diag, [&](auto token) { return client.async_get_token(c, diag, std::move(token)); },
            [&](akool::error_code& ec) { return client.get_token(c, ec, diag); },
            [&] { return client.get_token(c); });
    }
};

const std::vector<style> styles = akool_test::all_styles();

std::string header_of(const akool::http_request& r, const std::string& name)
{
    for (auto& h : r.headers)
        if (h.name == name) return h.value;
    return "<absent>";
}

} // namespace

static_assert(akool::is_transport<fake>::value, "the fake transport models the concept");
static_assert(!akool::is_transport<int>::value, "an int does not");
#if AKOOL_HAS_CONCEPTS
static_assert(akool::transport<fake>);
#else
static_assert(akool::transport<fake>, "C++17 form of the concept");
#endif

BOOST_DATA_TEST_CASE(create_single_sends_the_documented_request, bdata::make(styles), s)
{
    fixture f;
    f.script.push_reply(200, single_reply);
    auto [ec, tasks] = f.create(s, seed_text_request());
    BOOST_TEST(!ec, ec.message());
    BOOST_REQUIRE_EQUAL(tasks.size(), 1u);
    BOOST_TEST(tasks[0].id == "6650a1b2c3d4e5f6a7b8c9d0");
    BOOST_TEST(static_cast<int>(tasks[0].status) == 1);

    auto sent = f.script.sent();
    BOOST_REQUIRE_EQUAL(sent.size(), 1u);
    BOOST_TEST((sent[0].method == akool::http_method::post));
    BOOST_TEST(sent[0].url == "https://api.example.test/api/open/v4/content/image/createBySourcePrompt");
    BOOST_TEST(header_of(sent[0], "x-api-key") == "secret-key-123");
    BOOST_TEST(header_of(sent[0], "Content-Type") == "application/json");
    BOOST_TEST(header_of(sent[0], "Authorization") == "<absent>");
    BOOST_TEST(sent[0].body == akool::encode_image_request(seed_text_request()));
    BOOST_TEST(!sent[0].replay_safe, "a create must never be resent blindly");
}

BOOST_DATA_TEST_CASE(create_batch_returns_every_task_in_order, bdata::make(styles), s)
{
    fixture f;
    f.script.push_reply(200, batch_reply(4));
    auto req = seed_text_request();
    req.batch_quantity = 4;
    auto [ec, tasks] = f.create(s, req);
    BOOST_TEST(!ec, ec.message());
    BOOST_REQUIRE_EQUAL(tasks.size(), 4u);
    for (int i = 0; i < 4; ++i) BOOST_TEST(tasks[i].id == "6650a1b2c3d4e5f6a7b8c9d" + std::to_string(i));
}

// The service's reply never sets how many tasks a generate polls, downloads and writes.
BOOST_DATA_TEST_CASE(a_reply_with_more_tasks_than_the_batch_is_refused, bdata::make(styles), s)
{
    fixture f;
    f.script.push_reply(200, batch_reply(3));
    auto req = seed_text_request();
    req.batch_quantity = 2;
    auto [ec, tasks] = f.create(s, req);
    BOOST_TEST(ec == akool::error::bad_response, ec.message());
    BOOST_TEST(tasks.empty());
    BOOST_TEST(f.script.sent().size() == 1u, "a create is never resent");
}

BOOST_AUTO_TEST_CASE(a_reply_with_more_tasks_than_the_batch_says_so)
{
    fixture f;
    f.script.push_reply(200, batch_reply(4));
    akool::error_code ec;
    f.client.create(seed_text_request(), ec, f.diag);  // batch_quantity 1
    BOOST_TEST(ec == akool::error::bad_response);
    BOOST_TEST(f.diag.client_message ==
                   "data: 4 tasks for a batch of 1 (the create was processed; its tasks are not used)",
               f.diag.client_message);
    f.script.push_reply(200, batch_reply(1));
    auto req = seed_text_request();
    req.batch_quantity = 3;
    auto tasks = f.client.create(req, ec, f.diag);
    BOOST_TEST(!ec, "fewer tasks than asked for are taken: " << ec.message());
    BOOST_TEST(tasks.size() == 1u);
}

BOOST_DATA_TEST_CASE(invalid_request_sends_nothing, bdata::make(styles), s)
{
    fixture f;
    f.script.push_reply(200, single_reply);
    auto req = seed_text_request();
    req.batch_quantity = 5;
    req.scale = akool::image_scale::original;
    auto [ec, tasks] = f.create(s, req);
    BOOST_TEST(ec == akool::error::validation_failed);
    BOOST_TEST(tasks.empty());
    BOOST_TEST(f.script.sent().empty(), "no byte may be sent for an invalid request");
    if (s != style::future) {  // a future carries only the error_code
        BOOST_TEST(f.diag.issues.size() >= 2u);
        bool batch = false, scale = false;
        for (auto& i : f.diag.issues) {
            batch = batch || i.field == "batch_quantity";
            scale = scale || i.field == "scale";
        }
        BOOST_TEST(batch);
        BOOST_TEST(scale);
    }
}

BOOST_DATA_TEST_CASE(api_error_keeps_code_and_message, bdata::make(styles), s)
{
    fixture f;
    f.script.push_reply(200, R"({"code":1101,"msg":"token expired"})");
    auto [ec, tasks] = f.create(s, seed_text_request());
    BOOST_TEST(ec == akool::error::api_invalid_authorization);
    BOOST_TEST(tasks.empty());
    if (s != style::future) {
        BOOST_TEST(f.diag.api_code == 1101);
        BOOST_TEST(f.diag.server_message == "token expired");
    }
}

BOOST_DATA_TEST_CASE(http_error_without_envelope, bdata::make(styles), s)
{
    fixture f;
    f.script.push_reply(429, "<html>slow down</html>", {{"Retry-After", "7"}});
    auto [ec, result] = f.get_result(s, "abc");
    BOOST_TEST(ec == akool::error::http_status);
    if (s != style::future) {
        BOOST_TEST(f.diag.http_status == 429);
        BOOST_REQUIRE(f.diag.retry_after.has_value());
        BOOST_TEST(f.diag.retry_after->count() == 7);
        BOOST_TEST(f.diag.task_id == "abc");
    }
}

BOOST_DATA_TEST_CASE(http_error_with_envelope_reports_the_api_code, bdata::make(styles), s)
{
    fixture f;
    f.script.push_reply(401, R"({"code":1102,"msg":"Authorization cannot be empty"})");
    auto [ec, result] = f.get_result(s, "abc");
    BOOST_TEST(ec == akool::error::api_authorization_empty);
    if (s != style::future) BOOST_TEST(f.diag.http_status == 401);
}

BOOST_DATA_TEST_CASE(create_failing_after_send_is_outcome_unknown, bdata::make(styles), s)
{
    fixture f;
    f.script.push_failure(asio::error::connection_reset, /*maybe_sent=*/true);
    auto [ec, tasks] = f.create(s, seed_text_request());
    BOOST_TEST(ec == akool::error::outcome_unknown);
    BOOST_TEST(f.script.sent().size() == 1u, "the client itself never resends a create");
}

BOOST_DATA_TEST_CASE(failure_before_send_keeps_its_cause, bdata::make(styles), s)
{
    fixture f;
    f.script.push_failure(asio::error::connection_refused, /*maybe_sent=*/false);
    auto [ec, tasks] = f.create(s, seed_text_request());
    BOOST_TEST(ec == asio::error::connection_refused);
}

BOOST_DATA_TEST_CASE(get_result_decodes_and_encodes_the_id, bdata::make(styles), s)
{
    fixture f;
    std::string reply = result_reply;  // about the task asked for
    reply.replace(reply.find("6650a1b2c3d4e5f6a7b8c9d0"), 24, "id with/odd&chars");
    f.script.push_reply(200, reply);
    auto [ec, r] = f.get_result(s, "id with/odd&chars");
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(r.id == "id with/odd&chars");
    BOOST_TEST((r.status == akool::image_status::completed));
    BOOST_TEST(r.image_url == "https://cdn.example.com/x.png");
    auto sent = f.script.sent();
    BOOST_REQUIRE_EQUAL(sent.size(), 1u);
    BOOST_TEST((sent[0].method == akool::http_method::get));
    BOOST_TEST(sent[0].url ==
               "https://api.example.test/api/open/v3/content/image/infobymodelid?image_model_id=id%20with%2Fodd%26chars");
    BOOST_TEST(sent[0].replay_safe);
}

BOOST_DATA_TEST_CASE(get_token_sends_credentials_and_returns_token, bdata::make(styles), s)
{
    fixture f;
    f.script.push_reply(200, R"({"code":1000,"token":"tok-xyz"})");
    auto [ec, token] = f.get_token(s, {"client-id", "client-secret"});
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(token == "tok-xyz");
    auto sent = f.script.sent();
    BOOST_REQUIRE_EQUAL(sent.size(), 1u);
    BOOST_TEST(sent[0].url == "https://api.example.test/api/open/v3/getToken");
    BOOST_TEST(sent[0].body.find("\"clientId\":\"client-id\"") != std::string::npos);
    BOOST_TEST(header_of(sent[0], "x-api-key") == "<absent>", "the token call carries no API key");
}

BOOST_DATA_TEST_CASE(empty_task_id_is_refused_locally, bdata::make(styles), s)
{
    fixture f;
    auto [ec, r] = f.get_result(s, "");
    BOOST_TEST(ec == akool::error::validation_failed);
    BOOST_TEST(f.script.sent().empty());
}

BOOST_AUTO_TEST_CASE(bearer_token_wins_over_api_key)
{
    fixture f;
    f.client.set_token("tok-1");
    f.script.push_reply(200, result_reply);
    akool::error_code ec;
    f.client.get_result("6650a1b2c3d4e5f6a7b8c9d0", ec);
    BOOST_TEST(!ec, ec.message());
    auto sent = f.script.sent();
    BOOST_TEST(header_of(sent[0], "Authorization") == "Bearer tok-1");
    BOOST_TEST(header_of(sent[0], "x-api-key") == "<absent>");
}

BOOST_AUTO_TEST_CASE(throwing_form_carries_diagnostics_without_secrets)
{
    fixture f;
    f.script.push_reply(200, R"({"code":1003,"msg":"prompt is required"})");
    try {
        f.client.create(seed_text_request());
        BOOST_FAIL("expected an exception");
    } catch (const akool::error_with_diagnostics& e) {
        BOOST_TEST(e.code() == akool::error::api_parameter_error);
        BOOST_TEST(e.get_diagnostics().server_message == "prompt is required");
        BOOST_TEST(std::string(e.what()).find("prompt is required") != std::string::npos);
        BOOST_TEST(std::string(e.what()).find("secret-key-123") == std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(bad_base_url_is_refused_locally)
{
    asio::io_context ioc;
    fake script{ioc.get_executor()};
    auto o = opts();
    o.base_url = "ftp://nope";
    test_client c{script, o};
    akool::error_code ec;
    akool::diagnostics diag;
    c.create(seed_text_request(), ec, diag);
    BOOST_TEST(ec == akool::error::invalid_url);
    BOOST_TEST(script.sent().empty());
    // The message quotes the value as a message shows a URL (printable, without user
    // information, query or fragment), and never one that holds the API key or the token.
    // It says why (the validator's words for a URL: detail::refused_url_message).
    const std::string give = "; give an absolute http:// or https:// URL";
    BOOST_TEST(diag.client_message ==
               R"(base_url "ftp://nope" uses the scheme "ftp"; only http and https are accepted)" + give);
    const std::pair<const char*, std::string> cases[] = {
        {"127.0.0.1:8080?key=secret-1",
         R"(base_url "127.0.0.1:8080?..." is not an absolute URL (it has no scheme://host part))" + give},
        {"127.0.0.1:8080\r\nX: y", R"(base_url "127.0.0.1:8080\x0d\x0aX: y" contains a space, a control character )"
                                   "or another character a URL may not hold (percent-encode it)" + give},
        {"htps://user:pa55word@api.example.test",
         R"(base_url "htps://***@api.example.test" uses the scheme "htps"; only http and https are accepted)" + give},
        {"http://api.example.test:0", R"(base_url "http://api.example.test:0" has an invalid host or port (the port )"
                                      "must be 1 to 65535)" + give},
        {"api.example.test/secret-key-123", "base_url (not shown: it holds the API key, the token or the client secret) is "
                                     "not an absolute URL (it has no scheme://host part)" + give},
        {"secret-key-123://api.example.test", "base_url (not shown: it holds the API key, the token or the client "
                                             "secret) uses a scheme other than http and https" + give},
        {"https://api.example.test/a b?k=secret-key-123", "base_url (not shown: it holds the API key, the token or "
                                                        "the client secret) contains a space, a control character or "
                                                        "another character a URL may not hold (percent-encode it)" + give},
    };
    for (const auto& [bad, message] : cases) {
        auto with = o;
        with.base_url = bad;
        test_client other{script, with};
        other.create(seed_text_request(), ec, diag);
        BOOST_TEST(ec == akool::error::invalid_url);
        BOOST_TEST(diag.client_message == message);
    }
    BOOST_TEST(script.sent().empty());
}

// No API key, token or credentials: a create or a poll fails with error::no_credentials and
// sends nothing (the service would answer 1102; helper-28: the error was never produced).
// Credentials alone are a way in (a token is asked for).
BOOST_AUTO_TEST_CASE(without_any_credentials_nothing_is_sent)
{
    asio::io_context ioc;
    fake script{ioc.get_executor()};
    auto o = opts();
    o.api_key.clear();
    o.token.clear();
    test_client c{script, o};
    akool::error_code ec;
    akool::diagnostics diag;
    c.create(seed_text_request(), ec, diag);
    BOOST_TEST(ec == akool::error::no_credentials);
    BOOST_TEST(diag.client_message.find("nothing was sent") != std::string::npos, diag.client_message);
    c.get_result("6650a1b2c3d4e5f6a7b8c9d0", ec, diag);
    BOOST_TEST(ec == akool::error::no_credentials);
    BOOST_TEST(script.sent().empty());
    BOOST_TEST(!akool::create_may_have_been_processed(make_error_code(akool::error::no_credentials), diag));

    o.credentials = akool::client_credentials{"id", "secret"};
    test_client with_credentials{script, o};
    script.push_reply(200, result_reply);
    with_credentials.get_result("6650a1b2c3d4e5f6a7b8c9d0", ec, diag);
    BOOST_TEST(!ec, ec.message() << ": " << diag.client_message);
    BOOST_TEST(script.sent().size() == 1u);
}

BOOST_AUTO_TEST_CASE(validation_failure_completes_through_the_executor)
{
    fixture f;
    auto req = seed_text_request();
    req.prompt = " ";
    bool called = false;
    f.client.async_create(req, f.diag, [&](akool::error_code ec, std::vector<akool::image_task>) {
        called = true;
        BOOST_TEST(ec == akool::error::validation_failed);
    });
    BOOST_TEST(!called, "the handler must not run inside the initiating call");
    f.ioc.run();
    BOOST_TEST(called);
}

// A deferred operation is launched once (moved): launching it again from an lvalue, which
// Asio does by copying it, does not compile for any operation. A copy used to share the
// exchange's state for create, get_result and get_token: two handlers drove one exchange,
// and a create the service had processed was reported as an HTTP status failure.
template <class Op>
constexpr bool launchable_twice = std::is_copy_constructible<std::decay_t<Op>>::value;

BOOST_AUTO_TEST_CASE(a_deferred_operation_launches_once)
{
    using d = asio::deferred_t;
    using akool::diagnostics;
    test_client& (*c)() = nullptr;  // only in unevaluated operands, as std::declval
    diagnostics& (*diag)() = nullptr;
    const auto req = seed_text_request();
    static_assert(!launchable_twice<decltype(c().async_create(req, diag(), d{}))>, "create");
    static_assert(!launchable_twice<decltype(c().async_get_result("t", diag(), d{}))>, "get_result");
    static_assert(!launchable_twice<decltype(c().async_get_token(akool::client_credentials{}, diag(), d{}))>,
                  "get_token");
    static_assert(!launchable_twice<decltype(c().async_wait("t", akool::wait_options{}, diag(), d{}))>, "wait");
    static_assert(!launchable_twice<decltype(c().async_generate(req, akool::generate_options{}, diag(), d{}))>,
                  "generate");
    static_assert(!launchable_twice<decltype(c().async_download("u", akool::download_options{}, diag(), d{}))>,
                  "download");
    static_assert(!launchable_twice<decltype(c().async_download_to_file("u", "p", akool::download_options{},
                                                                        diag(), d{}))>,
                  "download_to_file");
    (void)c;
    (void)diag;

    // Launched once, it runs.
    fixture f;
    f.script.push_reply(200, single_reply);
    auto op = f.client.async_create(req, f.diag, asio::deferred);
    BOOST_TEST(f.script.sent().empty(), "nothing is sent before the launch");
    std::vector<akool::image_task> tasks;
    akool::error_code ec = akool::error::timeout;
    std::move(op)([&](akool::error_code e, std::vector<akool::image_task> t) {
        ec = e;
        tasks = std::move(t);
    });
    f.ioc.run();
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(tasks.size() == 1u);
    BOOST_TEST(f.script.sent().size() == 1u);
}

BOOST_AUTO_TEST_CASE(cancellation_aborts_a_hung_request)
{
    fixture f;
    f.script.push_hang();
    asio::cancellation_signal sig;
    akool::error_code got;
    bool called = false;
    f.client.async_get_result("abc", f.diag,
                              asio::bind_cancellation_slot(sig.slot(), [&](akool::error_code ec, akool::image_result) {
                                  called = true;
                                  got = ec;
                              }));
    f.ioc.poll();
    BOOST_TEST(!called);
    sig.emit(asio::cancellation_type::terminal);
    f.ioc.run();
    BOOST_TEST(called);
    BOOST_TEST(got == asio::error::operation_aborted);
}

BOOST_AUTO_TEST_CASE(sync_forms_run_a_stopped_context_again)
{
    fixture f;
    f.script.push_reply(200, result_reply).push_reply(200, result_reply);
    akool::error_code ec;
    f.client.get_result("6650a1b2c3d4e5f6a7b8c9d0", ec);
    BOOST_TEST(!ec, ec.message());
    f.ioc.stop();
    f.client.get_result("6650a1b2c3d4e5f6a7b8c9d0", ec);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(f.script.sent().size() == 2u);
}

BOOST_AUTO_TEST_CASE(bad_reply_is_bad_response_naming_the_field)
{
    fixture f;
    f.script.push_reply(200, R"({"code":1000,"msg":"OK","data":{"_id":12,"image_status":1}})");
    akool::error_code ec;
    f.client.create(seed_text_request(), ec, f.diag);
    BOOST_TEST(ec == akool::error::bad_response);
    BOOST_TEST(f.diag.client_message.find("_id") != std::string::npos, f.diag.client_message);
}
