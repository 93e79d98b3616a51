// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// The wait algorithm (detail/sansio/wait.hpp) stepped by hand: the first poll, the schedule
// between polls, progress on each status change, completion, a failed generation, poll
// failures, the deadline (clamped sleeps, the timeout message) and cancellation. No Asio, no
// socket, no clock: times are plain values.
#define BOOST_TEST_MODULE sansio_wait
#include <boost/test/unit_test.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <akool/detail/sansio/wait.hpp>

#include <boost/system/errc.hpp>

#include "fake_replies.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace bdata = boost::unit_test::data;
namespace sansio = akool::detail::sansio;
using akool::error_code;
using akool::image_status;
using action = sansio::wait_action;
using clk = std::chrono::steady_clock;
using ms = std::chrono::milliseconds;

namespace {

akool::image_result result(image_status s, std::string url = {}) { return akool_test::result_of(s, std::move(url)); }

// One wait with its options, diagnostics and the progress events it reported.
struct rig {
    akool::wait_options opts;
    akool::diagnostics diag;
    std::vector<akool::progress_event> events;
    clk::time_point t0 = clk::time_point() + std::chrono::hours(1);
    std::optional<sansio::wait_algo> algo;

    explicit rig(ms deadline = ms(10000), std::optional<image_status> known = std::nullopt)
    {
        opts.deadline = deadline;
        opts.schedule = {ms(100), 2.0, ms(300), 0.0};  // 100, 200, 300, 300 ...
        opts.on_progress = [this](const akool::progress_event& e) { events.push_back(e); };
        algo.emplace("task-1", 3, opts, known, sansio::jitter_source{}, diag, t0);
    }
    clk::time_point at(int millis) const { return t0 + ms(millis); }
};

} // namespace

BOOST_AUTO_TEST_SUITE(sansio_wait)

BOOST_AUTO_TEST_CASE(the_first_poll_is_at_once_with_the_deadline_as_its_timeout)
{
    rig r;
    action a = r.algo->start(r.t0);
    BOOST_TEST(a.kind == action::poll);
    BOOST_TEST(a.timeout.count() == 10000);

    rig unbounded(ms(0));
    a = unbounded.algo->start(unbounded.t0);
    BOOST_TEST(a.kind == action::poll);
    BOOST_TEST(a.timeout.count() == 0, "no deadline: the exchange's own timeouts only");
}

BOOST_AUTO_TEST_CASE(polls_follow_the_schedule_and_report_each_status_change_once)
{
    rig r;
    r.algo->start(r.t0);
    action a = r.algo->on_polled(r.at(10), {}, result(image_status::queueing));
    BOOST_TEST(a.kind == action::sleep);
    BOOST_TEST((a.wake_at == r.at(110)));
    a = r.algo->on_slept(a.wake_at);
    BOOST_TEST(a.kind == action::poll);
    BOOST_TEST(a.timeout.count() == 10000 - 110);
    a = r.algo->on_polled(r.at(120), {}, result(image_status::queueing));
    BOOST_TEST((a.wake_at == r.at(320)), "the delay grows: 200 ms");
    a = r.algo->on_slept(a.wake_at);
    a = r.algo->on_polled(r.at(330), {}, result(image_status::processing));
    BOOST_TEST((a.wake_at == r.at(630)), "capped at 300 ms");
    a = r.algo->on_slept(a.wake_at);
    a = r.algo->on_polled(r.at(640), {}, result(image_status::processing));
    BOOST_TEST((a.wake_at == r.at(940)));

    BOOST_TEST_REQUIRE(r.events.size() == 2u, "queueing, then processing: one event each");
    BOOST_TEST(r.events[0].task_id == "task-1");
    BOOST_TEST(r.events[0].index == 3u);
    BOOST_TEST((r.events[0].status == image_status::queueing));
    BOOST_TEST(r.events[0].elapsed.count() == 10);
    BOOST_TEST((r.events[1].status == image_status::processing));
    BOOST_TEST(r.events[1].elapsed.count() == 330);
}

BOOST_AUTO_TEST_CASE(a_completed_task_ends_the_wait_with_its_result)
{
    rig r(ms(10000), image_status::queueing);
    r.algo->start(r.t0);
    action a = r.algo->on_polled(r.at(5), {}, result(image_status::queueing));
    BOOST_TEST(r.events.empty(), "the status the caller knew is not reported again");
    a = r.algo->on_slept(a.wake_at);
    a = r.algo->on_polled(r.at(200), {}, result(image_status::completed, "https://cdn.example.test/a.png"));
    BOOST_TEST(a.kind == action::done);
    BOOST_TEST(!r.algo->error());
    BOOST_TEST(r.algo->value().image_url == "https://cdn.example.test/a.png");
    BOOST_TEST_REQUIRE(r.events.size() == 1u);
    BOOST_TEST((r.events[0].status == image_status::completed));
    BOOST_TEST(r.diag.task_id.empty());
}

BOOST_AUTO_TEST_CASE(a_failed_generation_keeps_the_result_and_names_the_task)
{
    rig r;
    r.algo->start(r.t0);
    action a = r.algo->on_polled(r.at(5), {}, result(image_status::failed));
    BOOST_TEST(a.kind == action::done);
    BOOST_TEST((r.algo->error() == akool::error::generation_failed));
    BOOST_TEST((r.algo->value().status == image_status::failed));
    BOOST_TEST(r.diag.task_id == "task-1");
    BOOST_TEST(r.diag.client_message.find("task-1") != std::string::npos, r.diag.client_message);
}

// The task id is the service's (without an output directory it is never checked): a message
// quotes it escaped and cut, a summary shows it escaped and cut, and diagnostics::task_id
// keeps it whole for the program.
BOOST_DATA_TEST_CASE(a_hostile_task_id_is_quoted_escaped_and_cut_in_messages, bdata::make({false, true}), at_deadline)
{
    const std::string id = "x\x1b]0;pwned\x07\n" + std::string(200 * 1024, 'A');
    akool::wait_options opts;
    opts.deadline = ms(1000);
    akool::diagnostics diag;
    const clk::time_point t0 = clk::time_point() + std::chrono::hours(1);
    sansio::wait_algo algo(id, 0, opts, std::nullopt, sansio::jitter_source{}, diag, t0);
    algo.start(t0);
    if (at_deadline) {
        BOOST_TEST((algo.on_polled(t0 + ms(5), {}, result(image_status::queueing)).kind == action::sleep));
        BOOST_TEST((algo.on_slept(t0 + ms(2000)).kind == action::done));
        BOOST_TEST((algo.error() == akool::error::timeout));
    } else {
        BOOST_TEST((algo.on_polled(t0 + ms(5), {}, result(image_status::failed)).kind == action::done));
        BOOST_TEST((algo.error() == akool::error::generation_failed));
    }
    BOOST_TEST(diag.task_id == id);
    for (const std::string& text : {diag.client_message, diag.summary()}) {
        BOOST_TEST(text.size() < 400u, text.size());
        BOOST_TEST(text.find_first_of("\x1b\x07\n") == std::string::npos, text);
    }
    BOOST_TEST(diag.client_message.find("\"x\\x1b]0;pwned\\x07\\x0a") != std::string::npos, diag.client_message);
}

// A failed poll (its exchange already retried what could be) ends the wait with its error.
BOOST_DATA_TEST_CASE(a_failed_poll_ends_the_wait_with_its_error,
                     bdata::make({int(akool::error::bad_response), int(akool::error::api_invalid_authorization),
                                  int(akool::error::http_status)}),
                     code)
{
    rig r;
    r.algo->start(r.t0);
    const error_code ec = make_error_code(static_cast<akool::error>(code));
    action a = r.algo->on_polled(r.at(5), ec, result(image_status::processing));
    BOOST_TEST(a.kind == action::done);
    BOOST_TEST(r.algo->error() == ec);
    BOOST_TEST((r.algo->value().status == akool::image_result{}.status), "no result on a failure");
    BOOST_TEST(r.diag.task_id == "task-1");
}

BOOST_AUTO_TEST_CASE(the_last_sleep_is_cut_to_the_deadline_which_then_ends_the_wait)
{
    rig r(ms(250));
    r.algo->start(r.t0);
    action a = r.algo->on_polled(r.at(10), {}, result(image_status::queueing));  // sleeps 100
    a = r.algo->on_slept(a.wake_at);
    BOOST_TEST(a.timeout.count() == 140, "the poll gets what is left of the deadline");
    a = r.algo->on_polled(r.at(120), {}, result(image_status::queueing));
    BOOST_TEST(a.kind == action::sleep);
    BOOST_TEST((a.wake_at == r.at(250)), "200 ms cut to the 130 left");
    a = r.algo->on_slept(a.wake_at);
    BOOST_TEST(a.kind == action::done, "no poll past the deadline");
    BOOST_TEST((r.algo->error() == akool::error::timeout));
    BOOST_TEST(r.diag.client_message ==
                   "task \"task-1\" did not finish within the deadline (its last status: 1, queueing)",
               "the last status the service gave is named (the result is emptied)");
    BOOST_TEST(r.diag.task_id == "task-1");
}

BOOST_AUTO_TEST_CASE(a_poll_that_times_out_at_the_deadline_says_so)
{
    rig r(ms(100));
    r.algo->start(r.t0);
    action a = r.algo->on_polled(r.at(100), make_error_code(akool::error::timeout), {});
    BOOST_TEST(a.kind == action::done);
    BOOST_TEST((r.algo->error() == akool::error::timeout));
    BOOST_TEST(r.diag.client_message.find("did not finish within the deadline") != std::string::npos);

    rig early(ms(1000));
    early.algo->start(early.t0);
    early.algo->on_polled(early.at(100), make_error_code(akool::error::timeout), {});
    BOOST_TEST((early.algo->error() == akool::error::timeout));
    BOOST_TEST(early.diag.client_message.empty(), "an exchange's own timeout, before the deadline, is not the deadline");
}

// A negative deadline (one computed from a time already past) has passed: the wait ends at
// once with timeout, nothing polled. Zero is no deadline. Before, a negative one was none.
BOOST_AUTO_TEST_CASE(a_negative_deadline_has_passed_already)
{
    rig r(ms(-1));
    action a = r.algo->start(r.t0);
    BOOST_TEST(a.kind == action::done);
    BOOST_TEST((r.algo->error() == akool::error::timeout));
    BOOST_TEST(r.diag.client_message.find("did not finish within the deadline") != std::string::npos,
               r.diag.client_message);
    BOOST_TEST(r.diag.task_id == "task-1");
    BOOST_TEST(r.events.empty());
}

BOOST_AUTO_TEST_CASE(a_cancelled_sleep_or_a_stop_ends_the_wait_with_the_drivers_error)
{
    const error_code aborted = make_error_code(boost::system::errc::operation_canceled);
    rig r;
    r.algo->start(r.t0);
    action a = r.algo->on_polled(r.at(10), {}, result(image_status::processing));
    a = r.algo->on_slept(r.at(50), aborted);
    BOOST_TEST(a.kind == action::done);
    BOOST_TEST(r.algo->error() == aborted);
    BOOST_TEST(r.diag.task_id == "task-1");

    rig s;
    s.algo->start(s.t0);
    a = s.algo->stop(aborted);
    BOOST_TEST(a.kind == action::done);
    BOOST_TEST(s.algo->error() == aborted);
    BOOST_TEST(s.algo->finished());
}

BOOST_AUTO_TEST_SUITE_END()
