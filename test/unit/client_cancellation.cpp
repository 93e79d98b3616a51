// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// Per-operation cancellation, type by type (terminal, partial, total) over the fake transport:
// reads (get-result, wait, download) and their backoff stop at once on every type; a create
// stops on every type until it is handed to the transport, then only on terminal, ending in
// outcome_unknown and never resent; generate honours terminal and partial, not total.
#define BOOST_TEST_MODULE client_cancellation
#include <boost/test/unit_test.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <akool/client.hpp>
#include <akool/fake_transport.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cancellation_names.hpp"

#include <chrono>
#include <optional>
#include <thread>
#include <ostream>
#include <string>
#include <vector>

namespace bdata = boost::unit_test::data;
namespace asio = boost::asio;
using fake = akool::basic_fake_transport<asio::io_context::executor_type>;
using test_client = akool::basic_client<fake>;
using ms = std::chrono::milliseconds;
using ctype = asio::cancellation_type;

namespace {

const ctype all_types[] = {ctype::terminal, ctype::partial, ctype::total};

const std::string queueing = R"({"code":1000,"msg":"OK","data":{"_id":"t1","image_status":1}})";
const std::string created = R"({"code":1000,"msg":"OK","data":[{"_id":"t1","image_status":1}]})";
const std::string completed =
    R"({"code":1000,"msg":"OK","data":{"_id":"t1","image_status":3,"image":"https://cdn.example.test/t1.png"}})";
const std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDRcancel", 21);

struct fixture {
    asio::io_context ioc;
    fake script{ioc.get_executor()};
    test_client client{script, options()};
    akool::diagnostics diag;
    asio::cancellation_signal sig;
    bool called = false;
    akool::error_code got;

    static akool::client_options options()
    {
        akool::client_options o;
        o.base_url = "https://api.example.test";
        o.api_key = "key-abc";
        return o;
    }

    // A handler bound to `sig` that records its outcome.
    auto handler()
    {
        return asio::bind_cancellation_slot(sig.slot(), [this](akool::error_code ec, auto&&...) {
            called = true;
            got = ec;
        });
    }

    // Runs what is ready, then checks that the operation is still under way.
    void settle()
    {
        ioc.poll();
        ioc.restart();
        BOOST_TEST_REQUIRE(!called, "the operation ended before it was cancelled");
    }

    // Runs for at most 2 s (every wait in these tests is 30 s or a hang): the operation must
    // have completed by then.
    void run_briefly()
    {
        ioc.run_for(std::chrono::seconds(2));
        ioc.restart();
    }

    akool::image_request request() const { return akool::image_request::text_to_image("a lighthouse"); }

    // Every request is answered with a task still queueing.
    void answer_every_poll_queueing()
    {
        script.set_fallback([](const akool::http_request&) {
            akool::http_response r;
            r.status = 200;
            r.body = queueing;
            return r;
        });
    }

    // Runs briefly, then checks that the operation ended with operation_aborted, `requests`
    // requests sent in all.
    void run_and_expect_aborted(std::size_t requests, const char* why)
    {
        run_briefly();
        BOOST_TEST(called);
        BOOST_TEST(got == asio::error::operation_aborted, got.message());
        BOOST_TEST(script.sent().size() == requests, why);
    }
};

} // namespace

// A hung request whose handler owns the signal that may end it (as a parallel_group's shared
// state does) goes with its io_context: destroying the context frees the handler. The fake
// transport kept it in the slot's own handler, a cycle that was never freed (helper-25).
BOOST_AUTO_TEST_CASE(a_hung_request_goes_with_its_io_context)
{
    struct owner {
        asio::cancellation_signal signal;
    };
    std::weak_ptr<owner> watch;
    {
        asio::io_context ioc;
        fake script(ioc.get_executor());
        script.push_hang();
        auto o = std::make_shared<owner>();
        watch = o;
        akool::http_request req;
        req.url = "https://api.example.test/x";
        auto slot = o->signal.slot();
        script.async_send(std::move(req),
                          asio::bind_cancellation_slot(slot, [o](akool::error_code, akool::http_response) {}));
        o.reset();
        ioc.poll();
        BOOST_TEST(!watch.expired(), "the request hangs");
    }
    BOOST_TEST(watch.expired(), "the io_context's end frees the hung request's handler");
}

BOOST_DATA_TEST_CASE(get_result_in_flight_stops_on_every_type, bdata::make(all_types), kind)
{
    fixture f;
    f.script.push_hang();
    f.client.async_get_result("t1", f.diag, f.handler());
    f.settle();
    f.sig.emit(kind);
    f.run_briefly();
    BOOST_TEST(f.called);
    BOOST_TEST(f.got == asio::error::operation_aborted, f.got.message());
    BOOST_TEST(f.script.sent().size() == 1u, "a cancelled read is not retried");
}

BOOST_DATA_TEST_CASE(a_backoff_stops_on_every_type, bdata::make(all_types), kind)
{
    fixture f;
    akool::retry_policy slow;
    slow.initial_backoff = std::chrono::seconds(30);
    slow.max_backoff = std::chrono::seconds(30);
    f.client.set_retry_policy(slow);
    f.script.push_failure(asio::error::connection_reset).push_reply(200, queueing);
    f.client.async_get_result("t1", f.diag, f.handler());
    f.settle();
    BOOST_TEST_REQUIRE(f.script.sent().size() == 1u, "the first attempt failed and a retry waits");
    f.sig.emit(kind);
    f.run_briefly();
    BOOST_TEST(f.called);
    BOOST_TEST(f.got == asio::error::operation_aborted, f.got.message());
    BOOST_TEST(f.script.sent().size() == 1u, "no retry after the cancellation");
}

BOOST_DATA_TEST_CASE(a_wait_stops_on_every_type, bdata::make(all_types), kind)
{
    fixture f;
    f.answer_every_poll_queueing();
    akool::wait_options w;
    w.schedule = {std::chrono::seconds(30), 1.0, std::chrono::seconds(30), 0.0};
    f.client.async_wait("t1", w, f.diag, f.handler());
    f.settle();
    BOOST_TEST_REQUIRE(f.script.sent().size() == 1u, "the first poll is made at once");
    f.sig.emit(kind);
    f.run_briefly();
    BOOST_TEST(f.called);
    BOOST_TEST(f.got == asio::error::operation_aborted, f.got.message());
    BOOST_TEST(f.script.sent().size() == 1u);
}

BOOST_DATA_TEST_CASE(a_download_stops_on_every_type, bdata::make(all_types), kind)
{
    fixture f;
    f.script.push_hang();
    f.client.async_download("https://cdn.example.test/t1.png", {}, f.diag, f.handler());
    f.settle();
    f.sig.emit(kind);
    f.run_briefly();
    BOOST_TEST(f.called);
    BOOST_TEST(f.got == asio::error::operation_aborted, f.got.message());
}

BOOST_DATA_TEST_CASE(a_create_waiting_for_the_gate_stops_on_every_type, bdata::make(all_types), kind)
{
    fixture f;
    f.client.set_limits({1, 0});
    // The first create holds the only slot (it hangs); the second waits for the gate.
    f.script.push_hang();
    asio::cancellation_signal first_sig;
    akool::diagnostics first_diag;
    akool::error_code first_ec;
    f.client.async_create(f.request(), first_diag,
                          asio::bind_cancellation_slot(first_sig.slot(),
                                                       [&](akool::error_code ec, std::vector<akool::image_task>) {
                                                           first_ec = ec;
                                                       }));
    f.client.async_create(f.request(), f.diag, f.handler());
    f.settle();
    BOOST_TEST_REQUIRE(f.script.sent().size() == 1u, "the second create waits for the gate");
    f.sig.emit(kind);
    f.run_briefly();
    BOOST_TEST(f.called);
    BOOST_TEST(f.got == asio::error::operation_aborted, f.got.message());
    BOOST_TEST(f.script.sent().size() == 1u, "the cancelled create was never sent");
    first_sig.emit(ctype::terminal);
    f.run_briefly();
    BOOST_TEST((first_ec == akool::error::outcome_unknown), first_ec.message());
}

BOOST_DATA_TEST_CASE(a_create_backoff_stops_on_every_type, bdata::make(all_types), kind)
{
    fixture f;
    akool::retry_policy slow;
    slow.initial_backoff = std::chrono::seconds(30);
    slow.max_backoff = std::chrono::seconds(30);
    f.client.set_retry_policy(slow);
    // Refused before any byte left (maybe_sent false): a create is retried after a backoff.
    f.script.push_failure(asio::error::connection_refused, false).push_reply(200, created);
    f.client.async_create(f.request(), f.diag, f.handler());
    f.settle();
    BOOST_TEST_REQUIRE(f.script.sent().size() == 1u);
    f.sig.emit(kind);
    f.run_briefly();
    BOOST_TEST(f.called);
    BOOST_TEST(f.got == asio::error::operation_aborted, f.got.message());
    BOOST_TEST(f.script.sent().size() == 1u, "no retry after the cancellation");
}

// A cancellation that comes after the timer of a poll delay or a backoff has expired, before
// its handler has run, is honoured: the next poll, or the retry of a create, is not sent (it
// once was, and the cancelled create was charged and reported a success). The window is made
// certain: a timer that expires just before the library's blocks the thread past it, so that
// the cancelling timer and the library's are taken in one pass, the cancelling one first.
struct late_cancel {
    fixture& f;
    ctype type;
    std::optional<asio::steady_timer> block, emit;

    // Arms both against a library timer that expires `delay` after the fixture settled.
    void arm(ms delay)
    {
        const auto wake_at = std::chrono::steady_clock::now() + delay;
        block.emplace(f.ioc, wake_at - ms(10));
        emit.emplace(f.ioc, wake_at - ms(5));
        block->async_wait([](akool::error_code) { std::this_thread::sleep_for(ms(25)); });
        emit->async_wait([this](akool::error_code) { f.sig.emit(type); });
    }
};

BOOST_DATA_TEST_CASE(a_cancel_as_the_poll_delay_ends_stops_the_wait, bdata::make(all_types), kind)
{
    fixture f;
    f.answer_every_poll_queueing();
    akool::wait_options w;
    w.schedule = {ms(50), 1.0, ms(50), 0.0};
    f.client.async_wait("t1", w, f.diag, f.handler());
    f.settle();
    BOOST_TEST_REQUIRE(f.script.sent().size() == 1u, "the first poll is made at once");
    late_cancel cancel{f, kind, {}, {}};
    cancel.arm(ms(50));
    f.run_and_expect_aborted(1, "no poll after the cancellation");
}

BOOST_DATA_TEST_CASE(a_cancel_as_a_create_backoff_ends_stops_the_retry, bdata::make(all_types), kind)
{
    fixture f;
    akool::retry_policy p;
    p.initial_backoff = ms(50);
    p.max_backoff = ms(50);
    p.jitter = 0;
    f.client.set_retry_policy(p);
    f.script.push_failure(asio::error::connection_refused, false).push_reply(200, created);
    f.client.async_create(f.request(), f.diag, f.handler());
    f.settle();
    BOOST_TEST_REQUIRE(f.script.sent().size() == 1u, "refused before sending: a retry waits");
    late_cancel cancel{f, kind, {}, {}};
    cancel.arm(ms(50));
    f.run_and_expect_aborted(1, "the create is not sent after the cancellation");
}

// A cancellation that comes with a redirect's reply: the redirect is not followed.
BOOST_DATA_TEST_CASE(a_cancel_that_comes_with_a_redirect_stops_the_download, bdata::make(all_types), kind)
{
    fixture f;
    f.script
        .push_handler([&](const akool::http_request&) {
            f.sig.emit(kind);
            akool::http_response r;
            r.status = 302;
            r.headers = {{"Location", "https://cdn.example.test/elsewhere.png"}};
            return r;
        })
        .push_reply(200, png);
    f.client.async_download("https://cdn.example.test/t1.png", {}, f.diag, f.handler());
    f.run_and_expect_aborted(1, "the redirect is not followed");
}

// Once handed to the transport, a create is past the point where cancelling leaves no trace:
// partial and total are not honoured (the create goes on), terminal abandons it, and its
// outcome is unknown: it may have been processed and charged. It is never resent.
BOOST_AUTO_TEST_CASE(a_create_in_flight_stops_only_on_terminal)
{
    fixture f;
    f.script.push_hang();
    f.client.async_create(f.request(), f.diag, f.handler());
    f.settle();
    f.sig.emit(ctype::partial);
    f.settle();
    f.sig.emit(ctype::total);
    f.settle();
    f.sig.emit(ctype::terminal);
    f.run_briefly();
    BOOST_TEST(f.called);
    BOOST_TEST((f.got == akool::error::outcome_unknown), f.got.message());
    BOOST_TEST(f.diag.client_message.find("not resent") != std::string::npos, f.diag.client_message);
    BOOST_TEST(f.script.sent().size() == 1u, "never resent");
}

// Generate: terminal and partial stop the waits at once (the tasks stay created); total is
// not honoured, and the generate runs to its end.
BOOST_DATA_TEST_CASE(generate_stops_on_terminal_and_partial_only, bdata::make(all_types), kind)
{
    fixture f;
    int polls = 0;
    f.script.set_fallback([&](const akool::http_request& r) {
        akool::http_response resp;
        resp.status = 200;
        if (r.url.find("createBySourcePrompt") != std::string::npos)
            resp.body = created;
        else if (r.url.find("infobymodelid") != std::string::npos)
            resp.body = ++polls >= 2 ? completed : queueing;
        else
            resp.body = png;
        return resp;
    });
    akool::generate_options g;
    g.wait.schedule = {ms(300), 1.0, ms(300), 0.0};
    std::vector<akool::generated_image> images;
    f.client.async_generate(f.request(), g, f.diag,
                            asio::bind_cancellation_slot(f.sig.slot(), [&](akool::error_code ec,
                                                                           std::vector<akool::generated_image> v) {
                                f.called = true;
                                f.got = ec;
                                images = std::move(v);
                            }));
    f.settle();
    BOOST_TEST_REQUIRE(polls == 1, "created, polled once, waiting 300 ms for the next poll");
    f.sig.emit(kind);
    f.ioc.poll();  // what the cancellation finishes at once
    if (kind == ctype::total) {
        BOOST_TEST(!f.called, "total cancellation is not honoured by generate");
        f.run_briefly();
        BOOST_TEST(f.called);
        BOOST_TEST(!f.got, f.got.message());
        BOOST_TEST_REQUIRE(images.size() == 1u);
        BOOST_TEST(images[0].data == png);
    } else {
        BOOST_TEST(f.called, "the wait stops at once");
        BOOST_TEST(f.got == asio::error::operation_aborted, f.got.message());
        BOOST_TEST_REQUIRE(images.size() == 1u, "the created task is still reported");
        BOOST_TEST(images[0].task.id == "t1");
    }
}
