// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// wait, generate, download and retries over the scripted fake transport.
#define BOOST_TEST_MODULE client_workflow
#include <boost/test/unit_test.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <akool/client.hpp>
#include <akool/fake_transport.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "calling_styles.hpp"

#include "fake_replies.hpp"
#include "temp_dir.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <tuple>

namespace bdata = boost::unit_test::data;
namespace asio = boost::asio;
namespace fs = std::filesystem;
using akool_test::style;
using fake = akool::basic_fake_transport<asio::io_context::executor_type>;
using test_client = akool::basic_client<fake>;
using ms = std::chrono::milliseconds;
using akool_test::id_of;
using akool_test::ok;

namespace {

const std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDRfake-png-body", 29);

std::string result_json(const std::string& id, int status)
{
    std::string s = R"({"code":1000,"msg":"OK","data":{"_id":")" + id + R"(","image_status":)" + std::to_string(status);
    if (status == 3) s += R"(,"image":"https://cdn.example.test/)" + id + R"(.png")";
    return s + "}}";
}


// A 503 "busy" reply asking for a retry after `seconds`.
akool::http_response busy(int seconds)
{
    akool::http_response r;
    r.status = 503;
    r.body = "busy";
    r.headers.push_back({"Retry-After", std::to_string(seconds)});
    return r;
}

struct fixture {
    asio::io_context ioc;
    fake script{ioc.get_executor()};
    test_client client{script, options()};
    akool::diagnostics diag;
    std::vector<akool::progress_event> events;

    static akool::client_options options()
    {
        akool::client_options o;
        o.base_url = "https://api.example.test";
        o.api_key = "key-abc";
        return o;
    }
    // A client that renews its token: an expired one, and credentials to get another.
    static akool::client_options renewing_options()
    {
        akool::client_options o = options();
        o.api_key.clear();
        o.token = "expired-token";
        o.credentials = akool::client_credentials{"id", "secret"};
        return o;
    }

    fixture()
    {
        akool::retry_policy fast;
        fast.initial_backoff = ms(1);
        fast.max_backoff = ms(2);
        client.set_retry_policy(fast);
        client.seed_jitter(42);
    }

    akool::wait_options fast_wait()
    {
        akool::wait_options w;
        w.schedule = {ms(1), 1.0, ms(1), 0.0};
        w.deadline = ms(5000);
        w.on_progress = [this](const akool::progress_event& e) { events.push_back(e); };
        return w;
    }

    // The service with tasks that go queueing -> processing -> completed on successive polls.
    void serve_batch(int n)
    {
        auto polls = std::make_shared<std::map<std::string, int>>();
        script.set_fallback([n, polls](const akool::http_request& r) {
            if (r.url.find("createBySourcePrompt") != std::string::npos) {
                std::string s = R"({"code":1000,"msg":"OK","data":[)";
                for (int i = 0; i < n; ++i)
                    s += std::string(i ? "," : "") + R"({"_id":"task)" + std::to_string(i) + R"(","image_status":1})";
                return ok(s + "]}");
            }
            if (r.url.find("infobymodelid") != std::string::npos) {
                int k = ++(*polls)[id_of(r)];
                return ok(result_json(id_of(r), k >= 3 ? 3 : k));
            }
            if (r.url.rfind("https://cdn.example.test/", 0) == 0) return ok(png + r.url);
            akool::http_response nf;
            nf.status = 404;
            return nf;
        });
    }

    auto wait(style s, const std::string& id, akool::wait_options w)
    {
        return akool_test::run<akool::image_result>(
            s, ioc, diag, [&](auto token) { return client.async_wait(id, w, diag, std::move(token)); },
            [&](akool::error_code& ec) { return client.wait(id, w, ec, diag); }, [&] { return client.wait(id, w); });
    }
    auto generate(style s, const akool::image_request& req, akool::generate_options g)
    {
        return akool_test::run<std::vector<akool::generated_image>>(
            s, ioc, diag, [&](auto token) { return client.async_generate(req, g, diag, std::move(token)); },
            [&](akool::error_code& ec) { return client.generate(req, g, ec, diag); },
            [&] { return client.generate(req, g); });
    }

    // A generate of a batch of `ids.size()` into `dir` (empty: to memory), from a service
    // whose create answers tasks of these ids, each completed at its first poll.
    auto generate_ids(style s, const std::vector<std::string>& ids, const std::string& dir)
    {
        std::string create = R"({"code":1000,"msg":"OK","data":[)";
        for (std::size_t i = 0; i < ids.size(); ++i)
            create += std::string(i ? "," : "") + R"({"_id":")" + ids[i] + R"(","image_status":1})";
        create += "]}";
        script.set_fallback([create](const akool::http_request& r) {
            if (r.url.find("createBySourcePrompt") != std::string::npos) return ok(create);
            if (r.url.find("infobymodelid") != std::string::npos) return ok(result_json(id_of(r), 3));
            return ok(png);
        });
        auto req = akool::image_request::text_to_image("x");
        req.batch_quantity = static_cast<int>(ids.size());
        akool::generate_options g;
        g.wait = fast_wait();
        g.output_dir = dir;
        return generate(s, req, g);
    }
};

const std::vector<style> styles = akool_test::all_styles();

} // namespace

BOOST_DATA_TEST_CASE(wait_reports_every_status_change, bdata::make(styles), s)
{
    fixture f;
    f.script.push_reply(200, result_json("t1", 1))
        .push_reply(200, result_json("t1", 1))
        .push_reply(200, result_json("t1", 2))
        .push_reply(200, result_json("t1", 3));
    auto [ec, r] = f.wait(s, "t1", f.fast_wait());
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST((r.status == akool::image_status::completed));
    BOOST_TEST(r.image_url == "https://cdn.example.test/t1.png");
    BOOST_REQUIRE_EQUAL(f.events.size(), 3u);
    BOOST_TEST((f.events[0].status == akool::image_status::queueing));
    BOOST_TEST((f.events[1].status == akool::image_status::processing));
    BOOST_TEST((f.events[2].status == akool::image_status::completed));
    BOOST_TEST(f.events[2].task_id == "t1");
    BOOST_TEST(f.script.sent().size() == 4u);
}

BOOST_DATA_TEST_CASE(failed_generation_names_the_task, bdata::make(styles), s)
{
    fixture f;
    f.script.push_reply(200, result_json("t9", 2)).push_reply(200, result_json("t9", 4));
    auto [ec, r] = f.wait(s, "t9", f.fast_wait());
    BOOST_TEST(ec == akool::error::generation_failed);
    if (s != style::future) BOOST_TEST(f.diag.task_id == "t9");
    BOOST_TEST(f.events.back().status == akool::image_status::failed);
}

BOOST_DATA_TEST_CASE(wait_deadline_expires, bdata::make(styles), s)
{
    fixture f;
    f.script.set_fallback([](const akool::http_request& r) { return ok(result_json(id_of(r), 2)); });
    auto w = f.fast_wait();
    w.deadline = ms(40);
    auto start = std::chrono::steady_clock::now();
    auto [ec, r] = f.wait(s, "slow", w);
    BOOST_TEST(ec == akool::error::timeout, ec.message());
    BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::seconds(3)));
    if (s != style::future) BOOST_TEST(f.diag.task_id == "slow");
}

BOOST_DATA_TEST_CASE(wait_retries_transient_failures_with_backoff, bdata::make(styles), s)
{
    fixture f;
    f.script.push_reply(503, "<html>busy</html>", {{"Retry-After", "0"}})
        .push_failure(asio::error::connection_reset, true)
        .push_reply(429, "")
        .push_reply(200, result_json("t2", 3));
    auto [ec, r] = f.wait(s, "t2", f.fast_wait());
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(f.script.sent().size() == 4u);
}

// A wait's deadline bounds the retries of its polls and their waits: a poll refused with a
// Retry-After that ends past the deadline is not retried, and the wait ends with timeout then.
// Before, each retry got the whole deadline again (a 1 s deadline ran 12 s; helper-21).
BOOST_DATA_TEST_CASE(a_wait_ends_at_its_deadline_while_a_poll_is_retried, bdata::make(styles), s)
{
    fixture f;
    f.script.set_fallback([](const akool::http_request&) { return busy(4); });
    auto w = f.fast_wait();
    w.deadline = ms(300);
    const auto start = std::chrono::steady_clock::now();
    auto [ec, r] = f.wait(s, "t1", w);
    BOOST_TEST(ec == akool::error::timeout, ec.message());
    BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::seconds(2)), "not the 4 s Retry-After");
    BOOST_TEST(f.script.sent().size() == 1u, "no retry: it would start past the deadline");
    if (s != style::future) {
        BOOST_TEST(f.diag.task_id == "t1");
        BOOST_TEST(f.diag.http_status == 503, "the last reply's words are kept");
    }
}

// A poll's reply about another task is a bad response: the wait ends with it and names both
// tasks; a generate whose polls come back swapped saves no image under the wrong name. Before,
// the other task's result was taken for this one (helper-21's audit).
BOOST_DATA_TEST_CASE(a_reply_about_another_task_is_refused, bdata::make(styles), s)
{
    fixture f;
    f.script.set_fallback([](const akool::http_request&) { return ok(result_json("other", 3)); });
    auto [ec, r] = f.wait(s, "t1", f.fast_wait());
    BOOST_TEST(ec == akool::error::bad_response, ec.message());
    BOOST_TEST(r.image_url.empty());
    if (s != style::future)
        BOOST_TEST(f.diag.client_message.find(R"(data._id: the reply to the poll of task "t1" is about task "other")") !=
                       std::string::npos,
                   f.diag.client_message);
}

// What the service sends is quoted in a message, never copied in raw: a reply about another
// task whose id holds control bytes and runs to 5 KB, and a completed task whose image "URL" is
// such text, end in a message that is one printable line of bounded length. Before, both went
// into client_message whole and raw (helper-35's audit).
BOOST_DATA_TEST_CASE(hostile_ids_and_image_urls_are_quoted_in_messages, bdata::make(styles), s)
{
    const std::string junk = R"(\u001b[31m\r\nX-Injected: 1)" + std::string(5000, 'a');
    for (const bool bad_id : {true, false}) {
        fixture f;
        f.script.set_fallback([&](const akool::http_request&) {
            return ok(bad_id ? R"({"code":1000,"msg":"OK","data":{"_id":")" + junk + R"(","image_status":1}})"
                             : R"({"code":1000,"msg":"OK","data":{"_id":"t1","image_status":3,"image":")" + junk +
                                   R"("}})");
        });
        auto [ec, r] = f.wait(s, "t1", f.fast_wait());
        BOOST_TEST(ec == akool::error::bad_response, ec.message());
        if (s == style::future) continue;
        const std::string& m = f.diag.client_message;
        BOOST_TEST(m.size() < 300u, m);
        BOOST_TEST(std::none_of(m.begin(), m.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }), m);
        BOOST_TEST(m.find(bad_id ? "is about task \"\\x1b[31m\\x0d\\x0aX-Injected: 1aaa" : "its image URL \"\\x1b[31m") !=
                       std::string::npos,
                   m);
        BOOST_TEST(m.find("(5020 bytes)") != std::string::npos, m);
    }
}

BOOST_DATA_TEST_CASE(generate_saves_no_image_under_another_tasks_name, bdata::make(styles), s)
{
    fixture f;
    f.script.set_fallback([](const akool::http_request& r) {
        if (r.url.find("createBySourcePrompt") != std::string::npos)
            return ok(R"({"code":1000,"msg":"OK","data":[{"_id":"task0","image_status":1},)"
                      R"({"_id":"task1","image_status":1}]})");
        if (r.url.find("infobymodelid") != std::string::npos)
            return ok(result_json(id_of(r) == "task0" ? "task1" : "task0", 3));  // swapped
        return ok(png);
    });
    akool_test::temp_dir tmp;
    auto req = akool::image_request::text_to_image("two dogs");
    req.batch_quantity = 2;
    akool::generate_options g;
    g.wait = f.fast_wait();
    g.output_dir = tmp.path();
    auto [ec, images] = f.generate(s, req, g);
    BOOST_TEST(ec == akool::error::bad_response, ec.message());
    for (const auto& im : images) BOOST_TEST(im.file_path.empty());
    BOOST_TEST(fs::is_empty(tmp.path()));
}

// A completed task must name its image by an http(s) URL; otherwise the poll is a bad
// response naming the field (before: success with an unusable URL; helper-21).
const char* const unusable_image_urls[] = {"", "not a url at all", "javascript:alert(1)", "ftp://cdn.example.test/1.png"};

BOOST_DATA_TEST_CASE(a_completed_task_without_a_usable_image_url_is_refused,
                     bdata::make(styles) * bdata::make(unusable_image_urls), s, url)
{
    fixture f;
    std::string body = R"({"code":1000,"msg":"OK","data":{"_id":"t1","image_status":3)";
    if (*url) body += R"(,"image":")" + std::string(url) + "\"";
    body += "}}";
    f.script.set_fallback([body](const akool::http_request&) { return ok(body); });
    auto [ec, r] = f.wait(s, "t1", f.fast_wait());
    BOOST_TEST(ec == akool::error::bad_response, ec.message());
    if (s != style::future) {
        BOOST_TEST(f.diag.client_message.find(R"(data.image: task "t1" is completed (status 3) but its image URL)") !=
                       std::string::npos,
                   f.diag.client_message);
        // And why (detail::refused_url_message, the validator's words).
        const std::map<std::string, std::string> why = {
            {"", "its image URL is empty"},
            {"not a url at all", "contains a space, a control character"},
            {"javascript:alert(1)", "is not an absolute URL (it has no scheme://host part)"},
            {"ftp://cdn.example.test/1.png", R"(uses the scheme "ftp"; only http and https are accepted)"},
        };
        BOOST_TEST(f.diag.client_message.find(why.at(url)) != std::string::npos, f.diag.client_message);
    }
}

// A generate's download that got no reply reports no HTTP status, in every form: not the 200 of
// the task's last poll (the async form kept it; helper-21).
BOOST_DATA_TEST_CASE(a_download_that_got_no_reply_reports_no_http_status, bdata::make(styles), s)
{
    fixture f;
    f.script.push_reply(200, R"({"code":1000,"msg":"OK","data":[{"_id":"task0","image_status":1}]})")
        .push_reply(200, result_json("task0", 3));
    for (int i = 0; i < 4; ++i) f.script.push_failure(asio::error::connection_refused, false);
    akool::generate_options g;
    g.wait = f.fast_wait();
    auto [ec, images] = f.generate(s, akool::image_request::text_to_image("x"), g);
    BOOST_TEST(ec.failed());
    if (s != style::future) BOOST_TEST(f.diag.http_status == 0);
    if (s == style::future || s == style::sync_throw) return;  // no images beside the exception
    BOOST_REQUIRE_EQUAL(images.size(), 1u);
    BOOST_TEST(images[0].ec.failed());
    BOOST_TEST(images[0].diag.http_status == 0);
    BOOST_TEST(images[0].diag.task_id == "task0");
}

// A cancellation that comes while a refused create's new token is on its way (here the token
// reply is already queued; a transport that ignores the slot does the same) ends the create:
// it is not sent again, and the handler gets operation_aborted (helper-39's audit: the create
// was sent and charged; helper-41's review: the code must be Asio's).
BOOST_DATA_TEST_CASE(a_create_cancelled_while_its_token_comes_is_not_sent_again,
                     bdata::make({"terminal", "partial", "total"}), type_name)
{
    const std::string t = type_name;
    const auto type = t == "terminal" ? asio::cancellation_type::terminal
                      : t == "partial" ? asio::cancellation_type::partial
                                       : asio::cancellation_type::total;
    fixture f;
    test_client c(f.script, fixture::renewing_options());
    asio::cancellation_signal sig;
    f.script.push_reply(200, R"({"code":1101,"msg":"the token has expired"})");
    f.script.push_handler([&](const akool::http_request&) {
        sig.emit(type);
        return ok(R"({"code":1000,"token":"fresh-token"})");
    });
    f.script.push_reply(200, R"({"code":1000,"msg":"OK","data":{"_id":"t1","image_status":1}})");
    akool::error_code got;
    bool done = false;
    c.async_create(akool::image_request::text_to_image("x"), f.diag,
                   asio::bind_cancellation_slot(sig.slot(), [&](akool::error_code ec, std::vector<akool::image_task>) {
                       got = ec;
                       done = true;
                   }));
    f.ioc.run();
    BOOST_TEST(done);
    BOOST_TEST(got == asio::error::operation_aborted, got.message() << " " << f.diag.summary());
    BOOST_TEST(f.script.sent().size() == 2u, "the create and the token request; the create not again");
}

// ... but a transport's own code is passed on as it is: only a cancellation of the operation
// becomes Asio's operation_aborted (helper-42's review).
BOOST_AUTO_TEST_CASE(a_transports_own_cancel_code_is_passed_on)
{
    fixture f;
    f.script.push_failure(make_error_code(boost::system::errc::operation_canceled));
    akool::error_code got;
    f.client.async_get_result("t1", f.diag, [&](akool::error_code ec, akool::image_result) { got = ec; });
    f.ioc.run();
    BOOST_TEST((got == make_error_code(boost::system::errc::operation_canceled)), got.message());
    BOOST_TEST(f.script.sent().size() == 1u);
}

// The deadline bounds a token renewal inside a poll (helper-23: a 300 ms wait ran 3 s, four
// token requests, each retried past it).
BOOST_AUTO_TEST_CASE(a_token_renewal_in_a_poll_ends_at_the_waits_deadline)
{
    fixture f;
    test_client c(f.script, fixture::renewing_options());
    akool::retry_policy fast;
    fast.initial_backoff = ms(1);
    fast.max_backoff = ms(2);
    c.set_retry_policy(fast);
    int token_requests = 0;
    f.script.set_fallback([&](const akool::http_request& r) {
        if (r.url.find("getToken") != std::string::npos) {
            ++token_requests;
            return busy(1);
        }
        akool::http_response resp;
        resp.status = 401;
        resp.body = R"({"code":1101,"msg":"the token has expired"})";
        return resp;
    });
    akool::wait_options w = f.fast_wait();
    w.deadline = ms(300);
    akool::error_code ec;
    const auto start = std::chrono::steady_clock::now();
    c.wait("t1", w, ec, f.diag);
    BOOST_TEST(ec == akool::error::timeout, ec.message() << " " << f.diag.summary());
    BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1000)));
    BOOST_TEST(token_requests == 1, "its retry (Retry-After: 1) would start past the deadline");
}

// A poll whose retry cannot start before the deadline ends the wait then, in timeout, naming
// the task's last status (helper-23: the status was missing).
BOOST_AUTO_TEST_CASE(a_wait_ended_by_a_retry_past_its_deadline_names_the_last_status)
{
    fixture f;
    int polls = 0;
    f.script.set_fallback([&](const akool::http_request&) {
        if (++polls == 1) return ok(result_json("t1", 2));  // processing
        return busy(3);
    });
    auto w = f.fast_wait();
    w.deadline = ms(2500);
    akool::error_code ec;
    f.client.wait("t1", w, ec, f.diag);
    BOOST_TEST(ec == akool::error::timeout);
    BOOST_TEST(f.diag.client_message.find("the deadline leaves no time to retry (its last status: 2, processing)") !=
                   std::string::npos,
               f.diag.client_message);
}

BOOST_AUTO_TEST_CASE(retries_stop_at_the_policy_limit)
{
    fixture f;
    for (int i = 0; i < 10; ++i) f.script.push_reply(502, "bad gateway");
    akool::error_code ec;
    f.client.get_result("x", ec, f.diag);
    BOOST_TEST(ec == akool::error::http_status);
    BOOST_TEST(f.diag.http_status == 502);
    BOOST_TEST(f.script.sent().size() == 1u + f.client.get_retry_policy().max_retries);
}

BOOST_AUTO_TEST_CASE(create_is_retried_only_when_not_processed)
{
    auto req = akool::image_request::text_to_image("a cat");
    const std::string created = R"({"code":1000,"msg":"OK","data":{"_id":"c1","image_status":1}})";
    {
        fixture f;  // 429 and 503: refused before processing -> retried
        f.script.push_reply(429, "").push_reply(503, "").push_reply(200, created);
        akool::error_code ec;
        auto tasks = f.client.create(req, ec, f.diag);
        BOOST_TEST(!ec, ec.message());
        BOOST_TEST(f.script.sent().size() == 3u);
    }
    {
        fixture f;  // refused connection: nothing sent -> retried
        f.script.push_failure(asio::error::connection_refused, false).push_reply(200, created);
        akool::error_code ec;
        f.client.create(req, ec, f.diag);
        BOOST_TEST(!ec, ec.message());
        BOOST_TEST(f.script.sent().size() == 2u);
    }
    for (int status : {500, 502, 504}) {
        fixture f;  // may have been processed -> reported
        f.script.push_reply(status, "oops").push_reply(200, created);
        akool::error_code ec;
        f.client.create(req, ec, f.diag);
        BOOST_TEST(ec == akool::error::http_status);
        BOOST_TEST(f.script.sent().size() == 1u, "a " << status << " create must not be repeated");
    }
    {
        fixture f;  // dropped after sending -> outcome unknown, reported
        f.script.push_failure(asio::error::connection_reset, true).push_reply(200, created);
        akool::error_code ec;
        f.client.create(req, ec, f.diag);
        BOOST_TEST(ec == akool::error::outcome_unknown);
        BOOST_TEST(f.script.sent().size() == 1u);
    }
    {
        fixture f;  // ... unless the user explicitly opts in
        auto p = f.client.get_retry_policy();
        p.retry_ambiguous_creates = true;
        f.client.set_retry_policy(p);
        f.script.push_failure(asio::error::connection_reset, true).push_reply(200, created);
        akool::error_code ec;
        f.client.create(req, ec, f.diag);
        BOOST_TEST(!ec);
        BOOST_TEST(f.script.sent().size() == 2u);
    }
}

BOOST_DATA_TEST_CASE(generate_returns_every_image_in_request_order, bdata::make(styles), s)
{
    fixture f;
    f.serve_batch(4);
    auto req = akool::image_request::text_to_image("four cats");
    req.batch_quantity = 4;
    akool::generate_options g;
    g.wait = f.fast_wait();
    auto [ec, images] = f.generate(s, req, g);
    BOOST_TEST(!ec, ec.message() << " " << f.diag.summary());
    BOOST_REQUIRE_EQUAL(images.size(), 4u);
    for (std::size_t i = 0; i < 4; ++i) {
        BOOST_TEST(images[i].task.id == "task" + std::to_string(i));
        BOOST_TEST((images[i].result.status == akool::image_status::completed));
        BOOST_TEST(images[i].data == png + "https://cdn.example.test/task" + std::to_string(i) + ".png");
    }
    // Each task reported queueing (from create), processing, completed.
    BOOST_TEST(f.events.size() == 4u * 3u);
    for (auto& r : f.script.sent())
        if (r.url.rfind("https://cdn.example.test/", 0) == 0)
            for (auto& h : r.headers) BOOST_TEST(h.name != "x-api-key", "no credentials go to the image host");
}

BOOST_AUTO_TEST_CASE(generate_saves_files_atomically)
{
    fixture f;
    f.serve_batch(2);
    akool_test::temp_dir tmp;
    const std::string dir = tmp.path();
    auto req = akool::image_request::text_to_image("two dogs");
    req.batch_quantity = 2;
    akool::generate_options g;
    g.wait = f.fast_wait();
    g.output_dir = dir;
    akool::error_code ec;
    auto images = f.client.generate(req, g, ec, f.diag);
    BOOST_TEST(!ec, ec.message());
    BOOST_REQUIRE_EQUAL(images.size(), 2u);
    for (auto& im : images) {
        BOOST_TEST(im.file_path == (fs::path(dir) / (im.task.id + ".png")).string());
        std::ifstream in(im.file_path, std::ios::binary);
        std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        BOOST_TEST(content.substr(0, 8) == png.substr(0, 8));
    }
    int files = 0;
    for (auto& e : fs::directory_iterator(dir)) {
        ++files;
        BOOST_TEST(e.path().string().find(".part-") == std::string::npos, "no temporary file is left");
    }
    BOOST_TEST(files == 2);
}

BOOST_AUTO_TEST_CASE(generate_reports_the_failed_task_and_keeps_the_others)
{
    fixture f;
    auto base = std::make_shared<int>(0);
    f.script.set_fallback([](const akool::http_request& r) {
        if (r.url.find("createBySourcePrompt") != std::string::npos)
            return ok(R"({"code":1000,"msg":"OK","data":[{"_id":"a","image_status":1},{"_id":"b","image_status":1}]})");
        if (r.url.find("infobymodelid") != std::string::npos) return ok(result_json(id_of(r), id_of(r) == "b" ? 4 : 3));
        return ok(png);
    });
    auto req = akool::image_request::text_to_image("x");
    req.batch_quantity = 2;
    akool::generate_options g;
    g.wait = f.fast_wait();
    akool::error_code ec;
    auto images = f.client.generate(req, g, ec, f.diag);
    BOOST_TEST(ec == akool::error::generation_failed);
    BOOST_TEST(f.diag.task_id == "b");
    BOOST_REQUIRE_EQUAL(images.size(), 2u);
    BOOST_TEST(images[0].data == png, "the image that finished is still returned");
}

// One id twice in a create reply would name one file for two images (the second rename
// replacing the first): the reply is refused before anything is polled or written.
BOOST_DATA_TEST_CASE(generate_refuses_a_create_reply_with_a_repeated_task_id, bdata::make(styles), s)
{
    fixture f;
    akool_test::temp_dir tmp;
    auto [ec, images] = f.generate_ids(s, {"a", "same", "same"}, tmp.path());
    BOOST_TEST(ec == akool::error::bad_response);
    BOOST_TEST(f.diag.client_message == R"(data[2]._id: "same" repeats data[1]._id; each task has its own id)");
    BOOST_TEST(images.empty());
    BOOST_TEST(f.script.sent().size() == 1u, "nothing is polled or downloaded");
    BOOST_TEST(fs::is_empty(tmp.path()), "nothing is written");
}

// Task ids are service data: only the documented shape becomes a file name.
const std::vector<std::string> hostile_ids = {
    "..", "../../x", "/tmp/akool-abs", "a/b", "a\\b", std::string("a\0b", 3), std::string(10000, 'a'),
    std::string(65, 'b'), "a b", "caf\xc3\xa9", "NUL", "con", "Com1", "lPt9", "aux", "prn",
};

BOOST_DATA_TEST_CASE(generate_refuses_task_ids_that_cannot_name_a_file,
                     bdata::xrange(hostile_ids.size()) * bdata::make(styles), index, s)
{
    const std::string& bad = hostile_ids[index];
    fixture f;
    f.script.set_fallback([&bad](const akool::http_request& r) {
        if (r.url.find("createBySourcePrompt") != std::string::npos) {
            std::string body = R"({"code":1000,"msg":"OK","data":[{"_id":"good-1","image_status":1},{"_id":)";
            body += akool::encode_error_response(0, bad).substr(16);  // {"code":0,"msg":"..."} -> the JSON string
            body.pop_back();
            return ok(body + R"(,"image_status":1}]})");
        }
        if (r.url.find("infobymodelid") != std::string::npos) return ok(result_json(id_of(r), 3));
        return ok(png);
    });
    akool_test::temp_dir tmp;
    const std::string dir = tmp.path();
    // Two levels down, so that "../../x" would land in this test's own directory, not in the
    // shared /tmp (where another program's x.png made the check fail).
    const fs::path outside = dir;
    auto req = akool::image_request::text_to_image("x");
    req.batch_quantity = 2;
    akool::generate_options g;
    g.wait = f.fast_wait();
    g.output_dir = dir + "/a/out";
    fs::create_directories(g.output_dir);
    auto [gec, images] = f.generate(s, req, g);
    BOOST_TEST(gec == akool::error::invalid_task_id, gec.message());
    if (s != style::future)
        BOOST_TEST(f.diag.summary().find("not used as a file name") != std::string::npos, f.diag.summary());
    if (s == style::sync_throw || s == style::future) {  // no result beside the exception
        return;
    }
    BOOST_REQUIRE_EQUAL(images.size(), 2u);
    BOOST_TEST(images[1].task.id == bad);
    BOOST_TEST(images[1].ec == akool::error::invalid_task_id);
    BOOST_TEST(images[1].file_path.empty());
    BOOST_TEST(!images[0].ec, images[0].ec.message());
    BOOST_TEST(images[0].file_path == (fs::path(g.output_dir) / "good-1.png").string(), "the good one is saved");
    // Nothing but the good image anywhere near, and the bad task was never polled.
    int files = 0;
    for (auto& e : fs::recursive_directory_iterator(dir)) files += e.is_regular_file() ? 1 : 0;
    BOOST_TEST(files == 1);
    BOOST_TEST(!fs::exists(outside / "x.png"));
    BOOST_TEST(!fs::exists("/tmp/akool-abs.png"));
    for (auto& r : f.script.sent()) {
        bool polls_the_good_one = r.url.find("image_model_id=good-1") != std::string::npos;
        BOOST_TEST((polls_the_good_one || r.url.find("infobymodelid") == std::string::npos), r.url.substr(0, 200));
    }
    // The message quotes the id safely: no raw control byte, at most about 40 of its bytes.
    for (unsigned char c : images[1].diag.summary()) BOOST_TEST(c >= 0x20u);
    BOOST_TEST(images[1].diag.summary().size() < 400u);
}

BOOST_AUTO_TEST_CASE(task_id_shape)
{
    BOOST_TEST(akool::is_valid_task_id("65f8a1b2c3d4e5f601234567"));
    BOOST_TEST(akool::is_valid_task_id("A-z_09"));
    BOOST_TEST(akool::is_valid_task_id(std::string(64, 'a')));
    BOOST_TEST(!akool::is_valid_task_id(""));
    // Names near a Windows device's are ids like any other.
    for (const char* fine : {"CONS", "co", "nul1", "nul-1", "COM10", "COMa", "lpt", "LPT_1", "conin"})
        BOOST_TEST(akool::is_valid_task_id(fine), fine);
    for (const auto& bad : hostile_ids) BOOST_TEST(!akool::is_valid_task_id(bad), akool::detail::quote_task_id(bad));
    BOOST_TEST(akool::detail::quote_task_id(std::string("a\0\"\\", 4)) == "\"a\\x00\\\"\\\\\"");
    BOOST_TEST(akool::detail::quote_task_id(std::string(10000, 'a')) == "\"" + std::string(40, 'a') + "\"... (10000 bytes)");
}

// In memory, the id names nothing: any id is waited for and downloaded as before.
BOOST_AUTO_TEST_CASE(generate_to_memory_takes_any_id)
{
    fixture f;
    f.script.set_fallback([](const akool::http_request& r) {
        if (r.url.find("createBySourcePrompt") != std::string::npos)
            return ok(R"({"code":1000,"msg":"OK","data":{"_id":"../x","image_status":1}})");
        if (r.url.find("infobymodelid") != std::string::npos) return ok(result_json("../x", 3));
        return ok(png);
    });
    akool::generate_options g;
    g.wait = f.fast_wait();
    akool::error_code ec;
    auto images = f.client.generate(akool::image_request::text_to_image("x"), g, ec, f.diag);
    BOOST_TEST(!ec, ec.message());
    BOOST_REQUIRE_EQUAL(images.size(), 1u);
    BOOST_TEST(images[0].data == png);
}

// Two ids that differ only in letter case would be one file on a case-insensitive file
// system (macOS, Windows): the later one is not written, the others are; in memory all are.
BOOST_DATA_TEST_CASE(generate_writes_one_of_two_ids_that_differ_only_in_case, bdata::make(styles), s)
{
    for (bool to_files : {true, false}) {
        fixture f;
        akool_test::temp_dir tmp;
        auto [ec, images] = f.generate_ids(s, {"Task-a", "b", "task-A"}, to_files ? tmp.path() : std::string());
        if (!to_files) {
            BOOST_TEST(!ec, ec.message());
            BOOST_REQUIRE_EQUAL(images.size(), 3u);
            for (const auto& im : images) BOOST_TEST(im.data == png);
            continue;
        }
        BOOST_TEST(ec == akool::error::invalid_task_id);
        if (s != style::future) {
            BOOST_TEST(f.diag.task_id == "task-A");
            BOOST_TEST(f.diag.client_message.find(R"("task-A" differs from "Task-a" only in letter case)") !=
                           std::string::npos,
                       f.diag.client_message);
        }
        if (s != style::sync_throw && s != style::future) {  // else no result beside the exception
            BOOST_REQUIRE_EQUAL(images.size(), 3u);
            BOOST_TEST(!images[0].ec);
            BOOST_TEST(!images[1].ec);
            BOOST_TEST(images[2].ec == akool::error::invalid_task_id);
            BOOST_TEST(images[2].task.id == "task-A", "the id is still reported");
        }
        int files = 0;
        for (auto& e : fs::directory_iterator(tmp.path())) {
            ++files;
            BOOST_TEST((e.path().filename() == "Task-a.png" || e.path().filename() == "b.png"), e.path());
        }
        BOOST_TEST(files == 2);
        for (const auto& r : f.script.sent()) BOOST_TEST(r.url.find("task-A") == std::string::npos, r.url);
    }
}

// A batch where one task fails: each image carries its own outcome.
BOOST_AUTO_TEST_CASE(generate_gives_each_image_its_outcome)
{
    fixture f;
    f.script.set_fallback([](const akool::http_request& r) {
        if (r.url.find("createBySourcePrompt") != std::string::npos)
            return ok(R"({"code":1000,"msg":"OK","data":[{"_id":"a","image_status":1},{"_id":"b","image_status":1},)"
                      R"({"_id":"c","image_status":1}]})");
        if (r.url.find("infobymodelid") != std::string::npos) return ok(result_json(id_of(r), id_of(r) == "a" ? 3 : 4));
        return ok(png);
    });
    akool_test::temp_dir tmp;
    const std::string dir = tmp.path();
    akool::generate_options g;
    g.wait = f.fast_wait();
    g.output_dir = dir;
    auto req = akool::image_request::text_to_image("x");
    req.batch_quantity = 3;
    akool::error_code ec;
    auto images = f.client.generate(req, g, ec, f.diag);
    BOOST_TEST(ec == akool::error::generation_failed);
    BOOST_TEST(f.diag.task_id == "b", "the first failure in request order");
    BOOST_REQUIRE_EQUAL(images.size(), 3u);
    BOOST_TEST(!images[0].ec);
    BOOST_TEST(!images[0].file_path.empty());
    BOOST_TEST(fs::exists(images[0].file_path));
    for (int i : {1, 2}) {
        BOOST_TEST(images[i].ec == akool::error::generation_failed);
        BOOST_TEST(images[i].diag.task_id == images[i].task.id);
        BOOST_TEST(images[i].file_path.empty());
    }
}

// An enveloped 429 or 503 on a poll or a create is retried (the HTTP status decides), in
// every calling style; an enveloped 500 on a create is reported as possibly processed.
BOOST_DATA_TEST_CASE(enveloped_429_and_503_are_retried, bdata::make(styles), s)
{
    fixture f;
    f.script.push_reply(429, R"({"code":1429,"msg":"Too Many Requests"})", {{"Retry-After", "0"}})
        .push_reply(503, R"({"code":1503,"msg":"Service Unavailable"})")
        .push_reply(200, R"({"code":1005,"msg":"Operation is too frequent"})")
        .push_reply(200, result_json("t2", 3));
    auto [wec, r] = f.wait(s, "t2", f.fast_wait());
    BOOST_TEST(!wec, wec.message() << " " << f.diag.summary());
    BOOST_TEST((r.status == akool::image_status::completed));
    BOOST_TEST(f.script.sent().size() == 4u);

    fixture c;
    const std::string created = R"({"code":1000,"msg":"OK","data":{"_id":"c1","image_status":1}})";
    c.script.push_reply(503, R"({"code":1503,"msg":"busy"})").push_reply(200, R"({"code":1005,"msg":"slow down"})")
        .push_reply(200, created);
    akool::error_code ec;
    auto tasks = c.client.create(akool::image_request::text_to_image("x"), ec, c.diag);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(c.script.sent().size() == 3u);

    fixture d;
    d.script.push_reply(500, R"({"code":1500,"msg":"Internal"})").push_reply(200, created);
    d.client.create(akool::image_request::text_to_image("x"), ec, d.diag);
    BOOST_TEST(ec == akool::make_api_error(1500));
    BOOST_TEST(d.script.sent().size() == 1u, "an ambiguous create is not resent");
    BOOST_TEST(d.diag.summary().find("may have reached the service") != std::string::npos, d.diag.summary());
}

BOOST_AUTO_TEST_CASE(create_with_invalid_utf8_sends_nothing)
{
    fixture f;
    f.serve_batch(1);
    akool::error_code ec;
    f.client.create(akool::image_request::text_to_image("caf\xe9"), ec, f.diag);
    BOOST_TEST(ec == akool::error::validation_failed);
    BOOST_REQUIRE(!f.diag.issues.empty());
    BOOST_TEST(f.diag.issues[0].field == "prompt");
    BOOST_TEST(f.diag.issues[0].message.find("offset 3") != std::string::npos);
    BOOST_TEST(f.script.sent().empty());
}

BOOST_AUTO_TEST_CASE(generate_with_invalid_request_sends_nothing)
{
    fixture f;
    f.serve_batch(1);
    auto req = akool::image_request::text_to_image("");
    akool::error_code ec;
    f.client.generate(req, {}, ec, f.diag);
    BOOST_TEST(ec == akool::error::validation_failed);
    BOOST_TEST(f.script.sent().empty());
    BOOST_TEST(!f.diag.issues.empty());
}

// Where the images go is checked before the create spends credits: a directory that cannot
// be made fails the generate with nothing sent; a missing one is created.
BOOST_DATA_TEST_CASE(generate_checks_its_output_directory_before_the_create, bdata::make(styles), s)
{
    fixture f;
    f.serve_batch(1);
    akool_test::temp_dir tmp;
    const fs::path base = tmp.path();
    std::ofstream(base / "a-file") << "x";
    akool::generate_options g;
    g.wait = f.fast_wait();
    g.output_dir = (base / "a-file" / "images").string();  // under a regular file: never a directory
    auto [ec, images] = f.generate(s, akool::image_request::text_to_image("a lighthouse"), g);
    BOOST_TEST(ec, "the generate fails");
    BOOST_TEST(images.empty());
    BOOST_TEST(f.script.sent().empty(), "nothing was sent: no credit spent");
    if (s != style::sync_throw) {
        BOOST_TEST(f.diag.client_message.find("output directory") != std::string::npos, f.diag.client_message);
        BOOST_TEST(f.diag.client_message.find("nothing was sent") != std::string::npos, f.diag.client_message);
    }

    fixture ok_f;
    ok_f.serve_batch(1);
    g.output_dir = (base / "new" / "images").string();  // absent: created
    auto [ec2, images2] = ok_f.generate(s, akool::image_request::text_to_image("a lighthouse"), g);
    BOOST_TEST(!ec2, ec2.message());
    BOOST_TEST_REQUIRE(images2.size() == 1u);
    BOOST_TEST(fs::exists(images2[0].file_path), images2[0].file_path);
    std::size_t leftovers = 0;
    for (auto& e : fs::directory_iterator(g.output_dir))
        if (e.path().filename().string().rfind(".akool-write-check", 0) == 0) ++leftovers;
    BOOST_TEST(leftovers == 0u, "the write check leaves no file");
}

// A NUL byte in a file's path or the output directory's: no file name holds one, and the
// system would read the path up to it, writing (and renaming over) the file its first part
// names, with no temporary file (helper-44's audit: "wanted.png\0.bak" wrote wanted.png and
// reported success). Refused before anything is sent, in every calling style.
BOOST_DATA_TEST_CASE(a_path_with_a_nul_byte_is_refused_before_anything_is_sent, bdata::make(styles), s)
{
    fixture f;
    f.serve_batch(1);
    akool_test::temp_dir tmp;
    const fs::path base = tmp.path();
    const std::string url = "https://cdn.example.test/a.png";
    const std::string path = (base / "wanted.png").string() + std::string("\0.bak", 5);
    akool::diagnostics diag;
    auto [ec, size] = akool_test::run<std::uint64_t>(
        s, f.ioc, diag, [&](auto t) { return f.client.async_download_to_file(url, path, {}, diag, std::move(t)); },
        [&](akool::error_code& e) { return f.client.download_to_file(url, path, {}, e, diag); },
        [&] { return f.client.download_to_file(url, path, {}); });
    BOOST_TEST(ec == boost::system::errc::invalid_argument, ec.message());
    BOOST_TEST(size == 0u);
    BOOST_TEST(diag.client_message.find("the file's path holds a NUL byte (at offset") != std::string::npos,
               diag.client_message);
    BOOST_TEST(f.script.sent().empty(), "nothing sent");
    BOOST_TEST(fs::is_empty(base), "no file written");

    akool::generate_options g;
    g.wait = f.fast_wait();
    g.output_dir = (base / "out").string() + std::string("\0x", 2);
    auto [gen_ec, images] = f.generate(s, akool::image_request::text_to_image("a lighthouse"), g);
    BOOST_TEST(gen_ec == boost::system::errc::invalid_argument, gen_ec.message());
    BOOST_TEST(images.empty());
    BOOST_TEST(f.script.sent().empty(), "nothing was sent: no credit spent");
    if (s != style::sync_throw)
        BOOST_TEST(f.diag.client_message.find("the output directory's path holds a NUL byte") != std::string::npos,
                   f.diag.client_message);
    BOOST_TEST(fs::is_empty(base), "no directory made");
}

BOOST_DATA_TEST_CASE(cancellation_stops_a_wait_promptly, bdata::make(styles), s)
{
    if (s == style::sync_ec || s == style::sync_throw) return;  // the sync forms have deadlines instead
    fixture f;
    f.script.set_fallback([](const akool::http_request& r) { return ok(result_json(id_of(r), 1)); });
    auto w = f.fast_wait();
    w.schedule = {ms(20), 1.0, ms(20), 0.0};
    asio::cancellation_signal sig;
    asio::steady_timer t(f.ioc, ms(70));
    t.async_wait([&](akool::error_code) { sig.emit(asio::cancellation_type::terminal); });
    auto start = std::chrono::steady_clock::now();
    auto [ec, r] = akool_test::run_cancellable<akool::image_result>(
        s, f.ioc, sig.slot(), [&](auto token) { return f.client.async_wait("t", w, f.diag, std::move(token)); });
    BOOST_TEST(ec == asio::error::operation_aborted, ec.message());
    BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::seconds(2)));
    BOOST_TEST(f.ioc.stopped(), "nothing is left running after the cancelled wait");
    auto polls = f.script.sent().size();
    BOOST_TEST(polls >= 2u);
    BOOST_TEST(polls <= 6u);
}

BOOST_AUTO_TEST_CASE(cancellation_stops_every_task_of_a_generate)
{
    fixture f;
    f.script.set_fallback([](const akool::http_request& r) {
        if (r.url.find("createBySourcePrompt") != std::string::npos)
            return ok(R"({"code":1000,"msg":"OK","data":[{"_id":"a","image_status":1},{"_id":"b","image_status":1}]})");
        return ok(result_json(id_of(r), 2));
    });
    auto req = akool::image_request::text_to_image("x");
    req.batch_quantity = 2;
    akool::generate_options g;
    g.wait = f.fast_wait();
    g.wait.schedule = {ms(10), 1.0, ms(10), 0.0};
    asio::cancellation_signal sig;
    asio::steady_timer t(f.ioc, ms(60));
    t.async_wait([&](akool::error_code) { sig.emit(asio::cancellation_type::terminal); });
    akool::error_code got;
    std::vector<akool::generated_image> images;
    bool done = false;
    f.client.async_generate(req, g, f.diag,
                            asio::bind_cancellation_slot(sig.slot(), [&](akool::error_code ec, auto v) {
                                got = ec;
                                images = std::move(v);
                                done = true;
                            }));
    f.ioc.run();  // returns only when nothing is left: every wait stopped
    BOOST_TEST(done);
    BOOST_TEST(got == asio::error::operation_aborted, got.message());
    // The diagnostics say that the generate was cancelled, and that the tasks exist.
    BOOST_TEST(f.diag.summary().find("the generate was cancelled: the task was made (and charged)") == 0u,
               f.diag.summary());
    BOOST_TEST(f.diag.task_id == "a");
    BOOST_TEST_REQUIRE(images.size() == 2u);
    BOOST_TEST(images[1].diag.client_message.find("cancelled") != std::string::npos, images[1].diag.client_message);
}

// The cancellation's words go only to the tasks it ended: a task that had failed on its own
// keeps its failure (and, first in request order, decides the outcome), and a task whose poll
// was in flight says it was cancelled, with the poll's own words after (helper-30's review).
BOOST_AUTO_TEST_CASE(a_cancelled_generate_keeps_a_tasks_own_failure)
{
    fixture f;
    f.script.push_reply(200, R"({"code":1000,"msg":"OK","data":[{"_id":"a","image_status":1},{"_id":"b","image_status":1}]})");
    f.script.push_reply(200, R"({"code":1006,"msg":"no quota"})");  // a's first poll
    f.script.push_hang();                                            // b's first poll
    auto req = akool::image_request::text_to_image("x");
    req.batch_quantity = 2;
    akool::generate_options g;
    g.wait = f.fast_wait();
    asio::cancellation_signal sig;
    asio::steady_timer t(f.ioc, ms(100));
    t.async_wait([&](akool::error_code) { sig.emit(asio::cancellation_type::terminal); });
    akool::error_code got;
    std::vector<akool::generated_image> images;
    f.client.async_generate(req, g, f.diag, asio::bind_cancellation_slot(sig.slot(), [&](akool::error_code ec, auto v) {
                                got = ec;
                                images = std::move(v);
                            }));
    f.ioc.run();
    BOOST_TEST(f.script.sent().size() == 3u);
    BOOST_TEST((got == akool::error::api_insufficient_quota), got.message());
    BOOST_TEST(f.diag.summary().find("cancelled") == std::string::npos, f.diag.summary());
    BOOST_TEST(f.diag.server_message == "no quota");
    BOOST_TEST_REQUIRE(images.size() == 2u);
    BOOST_TEST(images[0].diag.client_message.find("cancelled") == std::string::npos, images[0].diag.client_message);
    BOOST_TEST(images[1].ec == asio::error::operation_aborted, images[1].ec.message());
    const std::string& b = images[1].diag.client_message;
    BOOST_TEST(b.find("the generate was cancelled: the task was made (and charged), its image not fetched (") == 0u, b);
    BOOST_TEST(b.size() > 90u, b);  // the poll's own words follow
}

// API replies are a few KiB and decoding one holds tens of times its size: by default a
// reply past 1 MiB is refused by the transport (downloads have their own limit, above).
BOOST_AUTO_TEST_CASE(api_replies_are_limited_to_1_mib_by_default)
{
    fixture f;
    f.serve_batch(1);
    akool::error_code ec;
    auto tasks = f.client.create(akool::image_request::text_to_image("a cat"), ec, f.diag);
    BOOST_TEST(!ec, ec.message());
    f.client.get_result(tasks.at(0).id, ec, f.diag);
    BOOST_TEST(!ec, ec.message());
    BOOST_REQUIRE_EQUAL(f.script.sent().size(), 2u);
    for (const auto& r : f.script.sent()) BOOST_TEST(r.max_response_bytes == 1u << 20, r.url);
}

BOOST_AUTO_TEST_CASE(download_checks_content_and_size)
{
    fixture f;
    f.script.push_reply(200, "<html>not an image</html>");
    akool::error_code ec;
    f.client.download("https://cdn.example.test/x.png", {}, ec, f.diag);
    BOOST_TEST(ec == akool::error::not_an_image);
    BOOST_TEST(f.script.sent().back().max_response_bytes == akool::download_options{}.max_bytes);

    akool::download_options lax;
    lax.require_image = false;
    lax.max_bytes = 1234;
    f.script.push_reply(200, "anything");
    auto bytes = f.client.download("https://cdn.example.test/x.bin", lax, ec, f.diag);
    BOOST_TEST(!ec);
    BOOST_TEST(bytes == "anything");
    BOOST_TEST(f.script.sent().back().max_response_bytes == 1234u);

    f.client.download("not a url", {}, ec, f.diag);
    BOOST_TEST(ec == akool::error::invalid_url);
    BOOST_TEST(f.diag.client_message == "downloading not a url: the image URL contains a space, a control character "
                                        "or another character a URL may not hold (percent-encode it)");
    // A URL of the service's words is shown without what a secret may live in.
    f.client.download("ftp://user:pw@cdn.example.test/a.png?sig=s3cret", {}, ec, f.diag);
    BOOST_TEST(ec == akool::error::invalid_url);
    BOOST_TEST(f.diag.client_message == R"(downloading ftp://***@cdn.example.test/a.png?...: the image URL uses the )"
                                        R"(scheme "ftp"; only http and https are accepted)");
}

// The forms without diagnostics of wait, generate, download and download_to_file, in every
// calling style (the asynchronous ones with a completion token alone): the same results and
// the same errors as the forms with diagnostics; a failed download to a file leaves nothing.
BOOST_DATA_TEST_CASE(the_forms_without_diagnostics_give_the_same_outcomes, bdata::make(styles), s)
{
    fixture f;
    f.serve_batch(2);
    akool::diagnostics thrown;  // only the throwing style fills it (from its exception)
    using akool_test::run;

    auto [wait_ec, result] = run<akool::image_result>(
        s, f.ioc, thrown, [&](auto t) { return f.client.async_wait("task0", f.fast_wait(), std::move(t)); },
        [&](akool::error_code& e) { return f.client.wait("task0", f.fast_wait(), e); },
        [&] { return f.client.wait("task0", f.fast_wait()); });
    BOOST_TEST(!wait_ec, wait_ec.message());
    BOOST_TEST(result.image_url == "https://cdn.example.test/task0.png");

    auto req = akool::image_request::text_to_image("x");
    req.batch_quantity = 2;
    akool::generate_options g;
    g.wait = f.fast_wait();
    auto [gen_ec, images] = run<std::vector<akool::generated_image>>(
        s, f.ioc, thrown, [&](auto t) { return f.client.async_generate(req, g, std::move(t)); },
        [&](akool::error_code& e) { return f.client.generate(req, g, e); }, [&] { return f.client.generate(req, g); });
    BOOST_TEST(!gen_ec, gen_ec.message());
    BOOST_TEST_REQUIRE(images.size() == 2u);
    BOOST_TEST(images[1].data == png + "https://cdn.example.test/task1.png");

    const std::string url = "https://cdn.example.test/a.png";
    auto [dl_ec, bytes] = run<std::string>(
        s, f.ioc, thrown, [&](auto t) { return f.client.async_download(url, {}, std::move(t)); },
        [&](akool::error_code& e) { return f.client.download(url, {}, e); }, [&] { return f.client.download(url); });
    BOOST_TEST(!dl_ec, dl_ec.message());
    BOOST_TEST(bytes == png + url);

    akool_test::temp_dir tmp;
    const std::string path = (fs::path(tmp.path()) / "a.png").string();
    auto [file_ec, size] = run<std::uint64_t>(
        s, f.ioc, thrown, [&](auto t) { return f.client.async_download_to_file(url, path, {}, std::move(t)); },
        [&](akool::error_code& e) { return f.client.download_to_file(url, path, {}, e); },
        [&] { return f.client.download_to_file(url, path, {}); });
    BOOST_TEST(!file_ec, file_ec.message());
    BOOST_TEST(size == (png + url).size());
    BOOST_TEST(fs::file_size(path) == size);

    // Failures: a task that failed, an invalid request, a URL that is not http(s), a body over
    // the limit (nothing is left of the file).
    f.script.set_fallback([](const akool::http_request& r) { return ok(result_json(id_of(r), 4)); });
    std::tie(wait_ec, result) = run<akool::image_result>(
        s, f.ioc, thrown, [&](auto t) { return f.client.async_wait("task9", f.fast_wait(), std::move(t)); },
        [&](akool::error_code& e) { return f.client.wait("task9", f.fast_wait(), e); },
        [&] { return f.client.wait("task9", f.fast_wait()); });
    BOOST_TEST((wait_ec == akool::error::generation_failed), wait_ec.message());

    req.batch_quantity = 5;
    const auto sent = f.script.sent().size();
    std::tie(gen_ec, images) = run<std::vector<akool::generated_image>>(
        s, f.ioc, thrown, [&](auto t) { return f.client.async_generate(req, g, std::move(t)); },
        [&](akool::error_code& e) { return f.client.generate(req, g, e); }, [&] { return f.client.generate(req, g); });
    BOOST_TEST((gen_ec == akool::error::validation_failed), gen_ec.message());
    BOOST_TEST(images.empty());
    BOOST_TEST(f.script.sent().size() == sent, "an invalid request was sent");

    std::tie(dl_ec, bytes) = run<std::string>(
        s, f.ioc, thrown, [&](auto t) { return f.client.async_download("ftp://cdn.example.test/a.png", {}, std::move(t)); },
        [&](akool::error_code& e) { return f.client.download("ftp://cdn.example.test/a.png", {}, e); },
        [&] { return f.client.download("ftp://cdn.example.test/a.png"); });
    BOOST_TEST((dl_ec == akool::error::invalid_url), dl_ec.message());

    f.script.set_fallback([](const akool::http_request&) { return ok(png + std::string(100, 'x')); });
    akool::download_options small;
    small.max_bytes = 64;
    const std::string other = (fs::path(tmp.path()) / "b.png").string();
    std::tie(file_ec, size) = run<std::uint64_t>(
        s, f.ioc, thrown, [&](auto t) { return f.client.async_download_to_file(url, other, small, std::move(t)); },
        [&](akool::error_code& e) { return f.client.download_to_file(url, other, small, e); },
        [&] { return f.client.download_to_file(url, other, small); });
    BOOST_TEST((file_ec == akool::error::response_too_large), file_ec.message());
    BOOST_TEST(!fs::exists(other));
    BOOST_TEST(std::distance(fs::directory_iterator(tmp.path()), fs::directory_iterator{}) == 1, "a.png alone");
}

BOOST_AUTO_TEST_CASE(download_to_file_leaves_nothing_on_failure)
{
    fixture f;
    akool_test::temp_dir tmp;
    const std::string dir = tmp.path();
    auto path = (fs::path(dir) / "out.png").string();
    f.script.push_reply(200, "<html>error page</html>");
    akool::error_code ec;
    f.client.download_to_file("https://cdn.example.test/x.png", path, {}, ec, f.diag);
    BOOST_TEST(ec == akool::error::not_an_image);
    BOOST_TEST(!fs::exists(path));
    BOOST_TEST(fs::is_empty(dir));

    f.script.push_reply(200, png);
    auto n = f.client.download_to_file("https://cdn.example.test/x.png", path, {}, ec, f.diag);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(n == png.size());
    BOOST_TEST(fs::file_size(path) == png.size());

    f.script.push_reply(200, png);
    f.client.download_to_file("https://cdn.example.test/x.png", dir + "/missing-dir/out.png", {}, ec, f.diag);
    BOOST_TEST(ec);
    BOOST_TEST(f.diag.client_message.find("missing-dir") != std::string::npos, f.diag.client_message);
}

BOOST_AUTO_TEST_CASE(in_flight_cap_is_respected_by_concurrent_waits)
{
    asio::io_context ioc;
    fake script{ioc.get_executor()};
    test_client client{script, fixture::options()};
    client.set_limits({2, 0});
    // The fake answers through a post, so an exchange stays in flight until its reply is
    // handled; at each send the gate must hold at most 2.
    unsigned peak = 0;
    script.set_fallback([&](const akool::http_request& r) {
        peak = std::max(peak, client.exchanges_in_flight());
        return ok(result_json(id_of(r), 3));
    });
    int done = 0;
    std::vector<akool::diagnostics> diags(8);
    for (int i = 0; i < 8; ++i)
        client.async_wait("t" + std::to_string(i), {}, diags[i], [&](akool::error_code ec, akool::image_result) {
            BOOST_TEST(!ec);
            ++done;
        });
    ioc.run();
    BOOST_TEST(done == 8);
    BOOST_TEST(peak == 2u, "8 concurrent waits, at most 2 exchanges at once");
    BOOST_TEST(client.exchanges_in_flight() == 0u);
    BOOST_TEST(script.sent().size() == 8u);
}

// ---- streamed downloads and redirects (issue 13) ------------------------------------------

namespace {

akool::http_response redirect(int status, std::string location)
{
    akool::http_response r;
    r.status = status;
    if (!location.empty()) r.headers.push_back({"Location", std::move(location)});
    return r;
}

// Runs an async download to memory on the fixture's io_context.
std::string async_download(fixture& f, const std::string& url, akool::download_options o, akool::error_code& ec)
{
    std::string out;
    bool done = false;
    f.client.async_download(url, o, f.diag, [&](akool::error_code e, std::string b) {
        ec = e;
        out = std::move(b);
        done = true;
    });
    f.ioc.restart();
    f.ioc.run();
    BOOST_TEST(done);
    return out;
}

const int redirect_statuses[] = {301, 302, 303, 307, 308};
const bool relative_location[] = {false, true};
const bool async_form[] = {false, true};
// The status decides, whatever the body: one shaped like an API reply is followed too.
const char* const redirect_bodies[] = {"", "<html>moved</html>", R"({"code":302,"msg":"Found"})",
                                       R"({"code":1003,"msg":"moved"})"};

} // namespace

BOOST_DATA_TEST_CASE(downloads_follow_redirects,
                     bdata::make(redirect_statuses) * bdata::make(relative_location) * bdata::make(async_form) *
                         bdata::make(redirect_bodies),
                     status, rel, async, body)
{
    fixture f;
    auto hop = redirect(status, rel ? "/signed/x.png?sig=1" : "https://store.example.test/x.png");
    hop.body = body;
    f.script.push(fake::step{{}, std::move(hop), {}, false});
    f.script.push_reply(200, png);
    akool::error_code ec;
    std::string bytes = async ? async_download(f, "https://cdn.example.test/x.png", {}, ec)
                              : f.client.download("https://cdn.example.test/x.png", {}, ec, f.diag);
    BOOST_TEST(!ec, ec.message() << " " << f.diag.summary());
    BOOST_TEST(bytes == png);
    BOOST_TEST(f.diag.api_code == 0, "what the redirect's body said is forgotten");
    BOOST_TEST(f.diag.server_message.empty());
    auto sent = f.script.sent();
    BOOST_REQUIRE_EQUAL(sent.size(), 2u);
    BOOST_TEST(sent[1].url == (rel ? "https://cdn.example.test/signed/x.png?sig=1" : "https://store.example.test/x.png"));
    for (auto& r : sent)
        for (auto& h : r.headers) {
            BOOST_TEST(!akool::detail::ascii_iequals(h.name, "x-api-key"), "no credential on any hop");
            BOOST_TEST(!akool::detail::ascii_iequals(h.name, "authorization"), "no credential on any hop");
        }
}

BOOST_DATA_TEST_CASE(refused_redirects_are_clear_errors, bdata::make(async_form), async)
{
    auto run = [&](fixture& f, const std::string& url, akool::error_code& ec) {
        return async ? async_download(f, url, {}, ec) : f.client.download(url, {}, ec, f.diag);
    };
    akool::error_code ec;
    {
        fixture f;  // a sixth hop
        for (int i = 1; i <= 6; ++i)
            f.script.push(fake::step{{}, redirect(302, "/hop" + std::to_string(i)), {}, false});
        run(f, "https://cdn.example.test/hop0", ec);
        BOOST_TEST(ec == akool::error::too_many_redirects);
        BOOST_TEST(f.diag.client_message.find("https://cdn.example.test/hop6") != std::string::npos,
                   f.diag.client_message);
        BOOST_TEST(f.script.sent().size() == 6u, "five redirects followed, the sixth refused");
    }
    {
        fixture f;  // a loop
        f.script.push(fake::step{{}, redirect(301, "/b"), {}, false});
        f.script.push(fake::step{{}, redirect(301, "/a"), {}, false});
        run(f, "https://cdn.example.test/a", ec);
        BOOST_TEST(ec == akool::error::too_many_redirects);
        BOOST_TEST(f.diag.client_message.find("loop") != std::string::npos, f.diag.client_message);
    }
    {
        fixture f;  // https to http
        f.script.push(fake::step{{}, redirect(302, "http://cdn.example.test/x.png"), {}, false});
        run(f, "https://cdn.example.test/x.png", ec);
        BOOST_TEST(ec == akool::error::insecure_redirect);
        BOOST_TEST(f.script.sent().size() == 1u, "the http URL is never fetched");
    }
    {
        fixture f;  // no Location
        f.script.push(fake::step{{}, redirect(302, ""), {}, false});
        run(f, "https://cdn.example.test/x.png", ec);
        BOOST_TEST(ec == akool::error::bad_redirect);
        BOOST_TEST(f.diag.client_message.find("without a Location") != std::string::npos, f.diag.client_message);
    }
}

// An image host's reply is no Akool envelope: a 403 whose body reads {"code":1101} is HTTP 403
// (it read as api_invalid_authorization, "your API key", though none is sent on a download),
// and a refused redirect's body leaves no server message (helper-35's audit, stop 57).
BOOST_DATA_TEST_CASE(an_image_hosts_body_is_not_read_as_an_api_reply, bdata::make(async_form), async)
{
    auto run = [&](fixture& f, akool::error_code& ec) {
        return async ? async_download(f, "https://cdn.example.test/x.png", {}, ec)
                     : f.client.download("https://cdn.example.test/x.png", {}, ec, f.diag);
    };
    akool::error_code ec;
    {
        fixture f;
        f.script.push_reply(403, R"({"code":1101,"msg":"Invalid authorization"})");
        run(f, ec);
        BOOST_TEST(ec == akool::error::http_status, ec.message());
        BOOST_TEST(f.diag.http_status == 403);
        BOOST_TEST(f.diag.api_code == 0);
        BOOST_TEST(f.diag.server_message.empty(), f.diag.server_message);
        BOOST_TEST(f.script.sent().size() == 1u, "a 403 is final");
    }
    {
        fixture f;
        auto hop = redirect(302, "http://cdn.example.test/x.png");
        hop.body = R"({"code":1003,"msg":"moved to http"})";
        f.script.push(fake::step{{}, std::move(hop), {}, false});
        run(f, ec);
        BOOST_TEST(ec == akool::error::insecure_redirect, ec.message());
        BOOST_TEST(f.diag.api_code == 0);
        BOOST_TEST(f.diag.server_message.empty(), f.diag.server_message);
    }
}

BOOST_AUTO_TEST_CASE(size_limit_mid_stream_leaves_no_file)
{
    fixture f;
    f.script.set_sink_chunk(8);
    akool_test::temp_dir tmp;
    const std::string dir = tmp.path();
    auto path = (fs::path(dir) / "out.png").string();
    fs::copy_file(fs::path(AKOOL_TEST_SOURCE_DIR) / "README.md", path);  // an older file stays as it was
    auto before = fs::file_size(path);
    akool::download_options o;
    o.max_bytes = 20;
    f.script.push_reply(200, png);
    akool::error_code ec;
    f.client.download_to_file("https://cdn.example.test/x.png", path, o, ec, f.diag);
    BOOST_TEST(ec == akool::error::response_too_large);
    BOOST_TEST(fs::file_size(path) == before, "the target is replaced only on success");
    BOOST_TEST(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1, "no temporary file left");
    BOOST_TEST(f.script.sent().size() == 1u, "a size limit is final: not retried");
}

BOOST_AUTO_TEST_CASE(image_check_on_the_first_chunk)
{
    fixture f;
    f.script.set_sink_chunk(12);
    akool_test::temp_dir tmp;
    const std::string dir = tmp.path();
    auto path = (fs::path(dir) / "out.png").string();
    f.script.push_reply(200, "<html>" + std::string(100000, 'x') + "</html>");
    akool::error_code ec;
    bool done = false;
    f.client.async_download_to_file("https://cdn.example.test/x.png", path, {}, f.diag, [&](akool::error_code e, std::uint64_t n) {
        ec = e;
        BOOST_TEST(n == 0u);
        done = true;
    });
    f.ioc.run();
    BOOST_TEST(done);
    BOOST_TEST(ec == akool::error::not_an_image);
    BOOST_TEST(fs::is_empty(dir));
}

BOOST_AUTO_TEST_CASE(generate_follows_a_redirect_to_its_file)
{
    fixture f;
    f.script.set_fallback([](const akool::http_request& r) {
        if (r.url.find("createBySourcePrompt") != std::string::npos)
            return ok(R"({"code":1000,"msg":"OK","data":[{"_id":"t1","image_status":1}]})");
        if (r.url.find("infobymodelid") != std::string::npos) return ok(result_json("t1", 3));
        if (r.url == "https://cdn.example.test/t1.png") return redirect(302, "stored/t1.png");
        if (r.url == "https://cdn.example.test/stored/t1.png") return ok(png);
        return redirect(404, "");
    });
    akool_test::temp_dir tmp;
    const std::string dir = tmp.path();
    akool::generate_options g;
    g.wait = f.fast_wait();
    g.output_dir = dir;
    akool::error_code ec;
    auto images = f.client.generate(akool::image_request::text_to_image("a dog"), g, ec, f.diag);
    BOOST_TEST(!ec, ec.message() << " " << f.diag.summary());
    BOOST_REQUIRE_EQUAL(images.size(), 1u);
    BOOST_TEST(images[0].file_path == (fs::path(dir) / "t1.png").string());
    BOOST_TEST(fs::file_size(images[0].file_path) == png.size());
}

// The synchronous wait and generate poll and download on the calling thread through the
// transport's blocking send: a handler queued on the client's io_context stays queued, and
// they work from inside a handler of that io_context, on the thread that runs it.
BOOST_AUTO_TEST_CASE(sync_wait_and_generate_never_run_the_clients_io_context)
{
    fixture f;
    f.serve_batch(2);
    bool queued_ran = false;
    asio::post(f.ioc, [&] { queued_ran = true; });
    akool::generate_options g;
    g.wait = f.fast_wait();
    akool::error_code ec;
    auto req = akool::image_request::text_to_image("two lighthouses");
    req.batch_quantity = 2;
    auto images = f.client.generate(req, g, ec, f.diag);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST_REQUIRE(images.size() == 2u);
    BOOST_TEST(images[1].data == png + "https://cdn.example.test/task1.png");
    auto r = f.client.wait("task0", f.fast_wait(), ec, f.diag);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST((r.status == akool::image_status::completed));
    BOOST_TEST(!queued_ran, "the io_context was not run");

    std::vector<akool::generated_image> inner;
    akool::error_code inner_ec;
    req.prompt = "two boats";
    asio::post(f.ioc, [&] { inner = f.client.generate(req, g, inner_ec); });
    f.ioc.run();
    BOOST_TEST(queued_ran);
    BOOST_TEST(!inner_ec, inner_ec.message());
    BOOST_TEST(inner.size() == 2u);
}
