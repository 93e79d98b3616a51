// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// The workflow's pure decisions: poll schedule, retry backoff, retry matrix, request gate,
// image sniffing. No I/O, no clock, no sleeping.
#define BOOST_TEST_MODULE workflow
#include <boost/test/unit_test.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <akool/workflow.hpp>
#include <akool/detail/protocol.hpp>
#include <akool/detail/request_gate.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

#include <chrono>
#include <limits>
#include <optional>
#include <utility>
#include <ostream>

namespace bdata = boost::unit_test::data;
using akool::milliseconds;
using ms = std::chrono::milliseconds;

BOOST_AUTO_TEST_CASE(poll_schedule_grows_to_its_cap)
{
    akool::poll_schedule s{ms(100), 2.0, ms(1000), 0.0};
    BOOST_TEST(s.delay(0, 0.9).count() == 100);
    BOOST_TEST(s.delay(1, 0.9).count() == 200);
    BOOST_TEST(s.delay(2, 0.9).count() == 400);
    BOOST_TEST(s.delay(3, 0.9).count() == 800);
    BOOST_TEST(s.delay(4, 0.9).count() == 1000);
    BOOST_TEST(s.delay(400000, 0.9).count() == 1000, "huge attempt numbers stay at the cap");
}

BOOST_AUTO_TEST_CASE(poll_schedule_jitter_bounds)
{
    akool::poll_schedule s{ms(1000), 1.5, ms(10000), 0.2};
    BOOST_TEST(s.delay(0, 0.0).count() == 800);
    BOOST_TEST(s.delay(0, 0.5).count() == 1000);
    BOOST_TEST(s.delay(0, 1.0).count() == 1200);
    BOOST_TEST(s.delay(1, 0.5).count() == 1500);
    for (double u = 0; u < 1; u += 0.01) {
        auto d = s.delay(2, u).count();
        BOOST_TEST(d >= 1800);
        BOOST_TEST(d <= 2700);
    }
    akool::poll_schedule odd{ms(100), 0.5, ms(50), 5.0};  // growth < 1 and jitter > 1 are clamped
    BOOST_TEST(odd.delay(3, 0.0).count() == 0);
    BOOST_TEST(odd.delay(3, 1.0).count() == 100);
}

BOOST_AUTO_TEST_CASE(poll_schedule_odd_numbers_give_defined_delays)
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    akool::poll_schedule s{ms(1000), 2.0, ms(8000), 0.5};
    BOOST_TEST(s.delay(0, nan).count() == 1000, "a NaN unit is no jitter");
    BOOST_TEST(s.delay(0, inf).count() == 1500, "a unit above 1 counts as 1");
    BOOST_TEST(s.delay(0, -inf).count() == 500, "a unit below 0 counts as 0");
    s.jitter = nan;
    BOOST_TEST(s.delay(1, 0.0).count() == 2000, "a NaN jitter is no jitter");
    s.growth = nan;
    BOOST_TEST(s.delay(2, 0.0).count() == 1000, "a NaN growth counts as 1");
    akool::poll_schedule negative{ms(-50), 2.0, ms(100), 0.0};
    BOOST_TEST(negative.delay(0, 0.5).count() == 0, "a negative delay is none");
    akool::poll_schedule huge{ms::max(), 2.0, ms::max(), 1.0};
    const auto d = huge.delay(3, 1.0).count();
    BOOST_TEST(d > 0, "twice a cap near the largest duration stays positive (no overflowing conversion)");
    BOOST_TEST(d <= ms::max().count());
}

// Retry-After as sent: seconds (a longer wait than the parser keeps saturates, so that a
// reply asking for it is over any cap instead of ignored and retried soon), an HTTP-date
// against the clock, or something else that is ignored.
BOOST_AUTO_TEST_CASE(retry_after_values)
{
    using std::chrono::seconds;
    const auto now = std::chrono::system_clock::time_point(seconds(784111777 - 100));  // 100 s before the date below
    const std::pair<const char*, std::optional<seconds>> cases[] = {
        {"7", seconds(7)},
        {" 12\t", seconds(12)},
        {"0", seconds(0)},
        {"999999999", seconds(999999999)},
        {"1000000000", seconds(999999999)},
        {"99999999999999999999999999", seconds(999999999)},
        {"Sun, 06 Nov 1994 08:49:37 GMT", seconds(100)},
        {"Sun, 06 Nov 1994 08:46:00 GMT", seconds(0)},  // in the past
        {"Wed, 21 Oct 2099 07:28:00 GMT", seconds(999999999)},
        {"Sun, 06 Nov 1994 08:49:37 UTC", std::nullopt},
        {"Sun, 06 Xyz 1994 08:49:37 GMT", std::nullopt},
        {"Sunday, 06-Nov-94 08:49:37 GMT", seconds(100)},  // obsolete forms, which a recipient must accept
        {"Sun Nov  6 08:49:37 1994", seconds(100)},
        {"Sun Nov 06 08:49:37 1994", seconds(100)},
        {"Sunday, 06-Nov-94 08:49:37 UTC", std::nullopt},
        {"Sunday, 06-Nov-1994 08:49:37 GMT", std::nullopt},
        {"Sun, 06-Nov-94 08:49:37 GMT", std::nullopt},
        {"Sun Nov 6 08:49:37 1994", std::nullopt},
        {"Sun Nov  6 08:49:37 1994 GMT", std::nullopt},
        {"Sun Nov  6 08-49-37 1994", std::nullopt},
        {"\x01\x02\x03, 06 Nov 1994 08:49:37 GMT", std::nullopt},  // a weekday of letters
        {"123 Nov  6 08:49:37 1994", std::nullopt},
        {"Thu, 31 Apr 2026 00:00:00 GMT", std::nullopt},  // a day in its month
        {"Sun, 29 Feb 2026 00:00:00 GMT", std::nullopt},
        {"Tue, 29 Feb 2028 00:00:00 GMT", seconds(999999999)},
        {"Mon, 29 Feb 2100 00:00:00 GMT", std::nullopt},
        {"-1", std::nullopt},
        {"1.5", std::nullopt},
        {"", std::nullopt},
        {"soon", std::nullopt},
    };
    for (const auto& c : cases) {
        const auto got = akool::detail::parse_retry_after(c.first, now);
        BOOST_TEST(got.has_value() == c.second.has_value(), c.first);
        if (got && c.second) BOOST_TEST(got->count() == c.second->count(), c.first);
    }
    // 2099-10-21 07:28:00 is 4,096,250,880 s after the epoch.
    // The current year comes from the clock: 2026 takes "76" as 2076 and "77" as 1977.
    const auto in_2026 = std::chrono::system_clock::time_point(seconds(1780000000));  // 2026-05-28
    const auto in_2076 = akool::detail::parse_retry_after("Wednesday, 01-Jan-76 00:00:00 GMT", in_2026);
    BOOST_TEST_REQUIRE(in_2076.has_value());
    BOOST_TEST(in_2076->count() == 999999999, "2076: in the future, past the longest wait kept");
    BOOST_TEST(akool::detail::parse_retry_after("Saturday, 01-Jan-77 00:00:00 GMT", in_2026)->count() == 0,
               "1977: in the past");
    using akool::detail::parse_http_date;
    BOOST_TEST(*parse_http_date("Wed, 21 Oct 2099 07:28:00 GMT", 2026) == 4096250880);
    BOOST_TEST(*parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT", 2026) == 0);
    BOOST_TEST(*parse_http_date("Tue, 29 Feb 2000 12:00:00 GMT", 2026) == 951825600);
    // A two-digit year is the latest with its digits at most 50 years after the current one.
    const auto same_day = [](const char* rfc850, int now_year, const char* fixdate) {
        return *parse_http_date(rfc850, now_year) == *parse_http_date(fixdate, now_year);
    };
    BOOST_TEST(same_day("Tuesday, 01-Jan-70 00:00:00 GMT", 2026, "Tue, 01 Jan 2070 00:00:00 GMT"));
    BOOST_TEST(same_day("Saturday, 01-Jan-77 00:00:00 GMT", 2026, "Sat, 01 Jan 1977 00:00:00 GMT"));
    BOOST_TEST(same_day("Monday, 01-Jan-76 00:00:00 GMT", 2026, "Mon, 01 Jan 2076 00:00:00 GMT"));
    BOOST_TEST(same_day("Wednesday, 01-Jan-00 00:00:00 GMT", 1994, "Wed, 01 Jan 2000 00:00:00 GMT"));
    BOOST_TEST(*parse_http_date("Thu Oct 21 07:28:00 2099", 2026) == 4096250880);
}

BOOST_AUTO_TEST_CASE(backoff_honours_retry_after)
{
    akool::retry_policy p;
    p.initial_backoff = ms(100);
    p.jitter = 0;
    akool::diagnostics d;
    BOOST_TEST(p.backoff(0, 0.3, d).count() == 100);
    BOOST_TEST(p.backoff(1, 0.3, d).count() == 200);
    d.retry_after = std::chrono::seconds(3);
    BOOST_TEST(p.backoff(0, 0.3, d).count() == 3000, "a longer Retry-After wins");
    p.initial_backoff = ms(5000);
    BOOST_TEST(p.backoff(0, 0.3, d).count() == 5000, "a shorter Retry-After does not shorten the backoff");
}

BOOST_AUTO_TEST_CASE(a_retry_after_over_the_policy_cap_is_reported_not_slept_on)
{
    akool::retry_policy p;  // max_retry_after: 60 s
    akool::diagnostics d;
    d.http_status = 429;
    const akool::error_code busy = akool::make_error_code(akool::error::http_status);
    d.retry_after = std::chrono::seconds(60);
    BOOST_TEST(akool::should_retry(p, akool::request_kind::read, busy, d, 0), "60 s is waited for");
    d.retry_after = std::chrono::seconds(999999999);
    BOOST_TEST(!akool::should_retry(p, akool::request_kind::read, busy, d, 0));
    BOOST_TEST(!akool::detail::decide_retry(p, akool::request_kind::create, busy, d, 0));
    BOOST_TEST(d.client_message ==
                   "not retried: the reply asked to wait 999999999 s (Retry-After), over "
                   "retry_policy::max_retry_after (60 s)",
               d.client_message);
    p.max_retry_after = std::chrono::hours(24 * 365 * 40);
    BOOST_TEST(akool::should_retry(p, akool::request_kind::read, busy, d, 0), "a cap of the user's own");
}

namespace {

struct retry_case {
    const char* name;
    akool::request_kind kind;
    akool::error_code ec;
    int http_status;
    bool expected;
};
std::ostream& operator<<(std::ostream& os, const retry_case& c) { return os << c.name; }

using akool::error;
using akool::request_kind;
namespace aerr = boost::asio::error;

const retry_case retry_cases[] = {
    {"read: connection reset", request_kind::read, aerr::connection_reset, 0, true},
    {"read: refused", request_kind::read, aerr::connection_refused, 0, true},
    {"read: timeout", request_kind::read, error::timeout, 0, true},
    {"read: 408", request_kind::read, error::http_status, 408, true},
    {"read: 429", request_kind::read, error::http_status, 429, true},
    {"read: 500", request_kind::read, error::http_status, 500, true},
    {"read: 502", request_kind::read, error::http_status, 502, true},
    {"read: 503", request_kind::read, error::http_status, 503, true},
    {"read: 404", request_kind::read, error::http_status, 404, false},
    {"read: 1108", request_kind::read, error::api_generation_error, 200, true},
    {"read: 1101", request_kind::read, error::api_invalid_authorization, 200, false},
    {"read: 1003", request_kind::read, error::api_parameter_error, 200, false},
    {"read: bad response", request_kind::read, error::bad_response, 200, true},
    {"create: bad response (it was processed)", request_kind::create, error::bad_response, 200, false},
    {"read: too large", request_kind::read, error::response_too_large, 200, false},
    {"read: not an image", request_kind::read, error::not_an_image, 200, false},
    {"read: cancelled", request_kind::read, aerr::operation_aborted, 0, false},
    {"create: refused", request_kind::create, aerr::connection_refused, 0, true},
    {"create: host unreachable", request_kind::create, aerr::host_unreachable, 0, true},
    {"create: name not found", request_kind::create, aerr::host_not_found, 0, true},
    {"create: TLS failure", request_kind::create, boost::asio::ssl::error::stream_truncated, 0, true},
    {"create: outcome unknown", request_kind::create, error::outcome_unknown, 0, false},
    {"create: timeout (after sending)", request_kind::create, error::timeout, 0, false},
    {"create: 408", request_kind::create, error::http_status, 408, true},
    {"create: 429", request_kind::create, error::http_status, 429, true},
    {"create: 503", request_kind::create, error::http_status, 503, true},
    {"create: 500", request_kind::create, error::http_status, 500, false},
    {"create: 502", request_kind::create, error::http_status, 502, false},
    {"create: 504", request_kind::create, error::http_status, 504, false},
    {"create: 1108", request_kind::create, error::api_generation_error, 200, true},
    {"create: 1003", request_kind::create, error::api_parameter_error, 200, false},
    {"create: 1200", request_kind::create, error::api_account_banned, 200, false},
    {"create: validation", request_kind::create, error::validation_failed, 0, false},
    {"create: cancelled", request_kind::create, aerr::operation_aborted, 0, false},
    {"create: reset (reported without outcome_unknown)", request_kind::create, aerr::connection_reset, 0, false},
    // The HTTP status decides, whatever API envelope the body carries; the API code only for a 200.
    {"read: 429 with envelope 1429", request_kind::read, akool::make_api_error(1429), 429, true},
    {"create: 429 with envelope 1429", request_kind::create, akool::make_api_error(1429), 429, true},
    {"create: 503 with envelope 1503", request_kind::create, akool::make_api_error(1503), 503, true},
    {"create: 408 with envelope", request_kind::create, akool::make_api_error(1408), 408, true},
    {"read: 500 with envelope 1500", request_kind::read, akool::make_api_error(1500), 500, true},
    {"read: 502 with envelope 1108", request_kind::read, error::api_generation_error, 502, true},
    {"create: 500 with envelope 1500", request_kind::create, akool::make_api_error(1500), 500, false},
    {"create: 504 with envelope 1108 (status decides)", request_kind::create, error::api_generation_error, 504, false},
    {"create: 400 with envelope 1108 (status decides)", request_kind::create, error::api_generation_error, 400, false},
    {"read: 401 with envelope 1101", request_kind::read, error::api_invalid_authorization, 401, false},
    {"read: 404 with envelope 1003", request_kind::read, error::api_parameter_error, 404, false},
    {"create: 429 with code below 100", request_kind::create, error::unexpected_api_code, 429, true},
    {"create: 1005 (frequent operation)", request_kind::create, error::api_frequent_operation, 200, true},
    {"read: 1005 (frequent operation)", request_kind::read, error::api_frequent_operation, 200, true},
    {"create: 1006 (insufficient quota)", request_kind::create, error::api_insufficient_quota, 200, false},
    {"create: 1104 (insufficient credit)", request_kind::create, error::api_insufficient_credit, 200, false},
    {"read: 1429 on a 200 (unknown code)", request_kind::read, akool::make_api_error(1429), 200, false},
    {"create: invalid task id", request_kind::create, error::invalid_task_id, 0, false},
};

} // namespace

BOOST_DATA_TEST_CASE(retry_decisions, bdata::make(retry_cases), c)
{
    akool::retry_policy p;
    akool::diagnostics d;
    d.http_status = c.http_status;
    BOOST_TEST(akool::should_retry(p, c.kind, c.ec, d, 0) == c.expected);
    BOOST_TEST(!akool::should_retry(p, c.kind, c.ec, d, p.max_retries), "never past max_retries");
}

BOOST_AUTO_TEST_CASE(ambiguous_creates_only_when_opted_in)
{
    akool::retry_policy p;
    akool::diagnostics d;
    BOOST_TEST(!akool::should_retry(p, request_kind::create, error::outcome_unknown, d, 0));
    d.http_status = 502;
    BOOST_TEST(!akool::should_retry(p, request_kind::create, error::http_status, d, 0));
    p.retry_ambiguous_creates = true;
    BOOST_TEST(akool::should_retry(p, request_kind::create, error::http_status, d, 0));
    BOOST_TEST(akool::should_retry(p, request_kind::create, error::outcome_unknown, d, 0));
    BOOST_TEST(!akool::should_retry(p, request_kind::create, akool::error_code{}, d, 0), "success is not retried");
}

// The exchanges stop on an ambiguous create saying it may have been processed and charged.
BOOST_AUTO_TEST_CASE(decide_retry_explains_an_unresent_create)
{
    akool::retry_policy p;
    for (int status : {500, 502, 504}) {
        akool::diagnostics d;
        d.http_status = status;
        d.client_message = "the service answered HTTP " + std::to_string(status);
        BOOST_TEST(!akool::detail::decide_retry(p, request_kind::create, error::http_status, d, 0));
        BOOST_TEST(d.client_message.find("HTTP " + std::to_string(status)) != std::string::npos, d.client_message);
        BOOST_TEST(d.client_message.find("may have reached the service") != std::string::npos, d.client_message);
        BOOST_TEST(d.client_message.find("charged") != std::string::npos, d.client_message);
        BOOST_TEST(d.client_message.find("not resent") != std::string::npos, d.client_message);
    }
    {
        akool::diagnostics d;  // an envelope on a 500 is ambiguous too
        d.http_status = 500;
        BOOST_TEST(!akool::detail::decide_retry(p, request_kind::create, akool::make_api_error(1500), d, 0));
        BOOST_TEST(d.client_message.find("not resent") != std::string::npos, d.client_message);
    }
    {
        akool::diagnostics d;  // connection lost after sending
        d.client_message = "Connection reset by peer";
        BOOST_TEST(!akool::detail::decide_retry(p, request_kind::create, error::outcome_unknown, d, 0));
        BOOST_TEST(d.client_message.find("may have reached the service") != std::string::npos, d.client_message);
    }
    {
        akool::diagnostics d;  // a read, a refusal, or a retried create: no such note
        d.http_status = 500;
        BOOST_TEST(akool::detail::decide_retry(p, request_kind::read, error::http_status, d, 0));
        BOOST_TEST(d.client_message.empty());
        d.http_status = 400;
        BOOST_TEST(!akool::detail::decide_retry(p, request_kind::create, error::http_status, d, 0));
        BOOST_TEST(d.client_message.empty());
        d.http_status = 429;
        BOOST_TEST(akool::detail::decide_retry(p, request_kind::create, error::http_status, d, 0));
        BOOST_TEST(d.client_message.empty());
    }
    {
        akool::diagnostics d;  // opted in, retries exhausted: it says on which attempts
        p.retry_ambiguous_creates = true;
        d.http_status = 502;
        BOOST_TEST(!akool::detail::decide_retry(p, request_kind::create, error::http_status, d, p.max_retries));
        BOOST_TEST(d.client_message.find("any of its 4 attempts") != std::string::npos, d.client_message);
    }
}

// The default schedule: completion noticed within 1.5 s, at most 20 polls for a 25 s job
// (the first poll is immediate), whatever the jitter.
BOOST_DATA_TEST_CASE(default_schedule_notices_quickly, bdata::make({0.0, 0.5, 0.999}), unit)
{
    akool::poll_schedule s;
    double t = 0;  // seconds since the wait started; a poll at t = 0
    unsigned polls = 1;
    for (unsigned attempt = 0; t < 25.0; ++attempt) {
        double d = static_cast<double>(s.delay(attempt, unit).count()) / 1000.0;
        BOOST_TEST(d <= 1.45, "a delay of " << d << " s");
        BOOST_TEST(d >= 1.0, "a delay of " << d << " s");
        t += d;
        ++polls;
    }
    BOOST_TEST(polls <= 20u);
    BOOST_TEST(t - 25.0 < 1.5);
}

namespace {
struct fake_timer {
    int cancels = 0;
    void cancel() { ++cancels; }
};
using gate_t = akool::detail::request_gate<fake_timer>;
using clk = std::chrono::steady_clock;
} // namespace

BOOST_AUTO_TEST_CASE(gate_caps_in_flight_and_wakes_in_order)
{
    gate_t g;
    g.set_limits({2, 0});
    fake_timer a, b, c, d;
    clk::time_point wake{};
    auto now = clk::now();
    BOOST_TEST(g.try_enter(now, &a, wake));
    BOOST_TEST(g.try_enter(now, &b, wake));
    BOOST_TEST(!g.try_enter(now, &c, wake));
    BOOST_TEST((wake == clk::time_point::max()));
    BOOST_TEST(!g.try_enter(now, &d, wake));
    BOOST_TEST(g.in_flight() == 2u);
    g.leave();
    BOOST_TEST(c.cancels == 1, "the first queued caller is woken first");
    BOOST_TEST(d.cancels == 0);
    BOOST_TEST(g.try_enter(now, &c, wake));
    BOOST_TEST(!g.try_enter(now, &d, wake), "d still waits: two in flight again");
    g.forget(&d);
    g.leave();
    BOOST_TEST(d.cancels == 0, "a forgotten caller is not woken");
}

// A woken caller that gives up instead of trying again (its deadline passed, it was cancelled)
// passes the wake-up on: the slot it would have taken goes to the next caller. Before, the
// next caller slept until some other exchange ended, and a blocking create without a timeout
// forever (helper-36's audit).
BOOST_AUTO_TEST_CASE(gate_passes_on_a_wake_up_its_caller_gave_up)
{
    gate_t g;
    g.set_limits({1, 0});
    fake_timer a, b, c, d;
    clk::time_point wake{};
    auto now = clk::now();
    BOOST_TEST(g.try_enter(now, &a, wake));
    BOOST_TEST(!g.try_enter(now, &b, wake));
    BOOST_TEST(!g.try_enter(now, &c, wake));
    BOOST_TEST(!g.try_enter(now, &d, wake));
    g.leave();  // a ends: b is woken
    BOOST_TEST(b.cancels == 1);
    g.forget(&b);  // ... and gives up
    BOOST_TEST(c.cancels == 1, "c gets the wake-up b did not use");
    BOOST_TEST(d.cancels == 0);
    BOOST_TEST(g.try_enter(now, &c, wake));
    g.forget(&c);  // c entered: its wake-up is used, forgetting it passes nothing on
    BOOST_TEST(d.cancels == 0);
    g.forget(&a);  // never woken: nothing to pass on
    BOOST_TEST(d.cancels == 0);
    g.leave();
    BOOST_TEST(d.cancels == 1);
}

// The same with a rate limit too: the woken caller, held back by the rate, keeps its wake-up
// while it waits for it, and passes it on if it gives up then (helper-37's review).
BOOST_AUTO_TEST_CASE(gate_passes_on_a_wake_up_held_back_by_the_rate)
{
    gate_t g;
    g.set_limits({1, 10.0});  // one in flight, starts 100 ms apart
    fake_timer a, w, x;
    clk::time_point wake{};
    const auto t0 = clk::now();
    BOOST_TEST(g.try_enter(t0, &a, wake));
    BOOST_TEST(!g.try_enter(t0, &w, wake));
    BOOST_TEST(!g.try_enter(t0, &x, wake));
    g.leave();
    BOOST_TEST(w.cancels == 1);
    BOOST_TEST(!g.try_enter(t0 + ms(10), &w, wake), "the rate holds w back");
    BOOST_TEST(std::chrono::duration_cast<ms>(wake - t0).count() == 100);
    g.forget(&w);  // w gives up while it waits for the rate
    BOOST_TEST(x.cancels == 1, "x gets the wake-up");
    BOOST_TEST(g.try_enter(t0 + ms(100), &x, wake));
    BOOST_TEST(g.in_flight() == 1u);
}

BOOST_AUTO_TEST_CASE(gate_spaces_request_starts)
{
    gate_t g;
    g.set_limits({0, 10.0});  // 10 per second: 100 ms apart
    fake_timer t;
    clk::time_point wake{};
    auto t0 = clk::now();
    BOOST_TEST(g.try_enter(t0, &t, wake));
    BOOST_TEST(!g.try_enter(t0 + ms(50), &t, wake));
    BOOST_TEST(std::chrono::duration_cast<ms>(wake - t0).count() == 100);
    BOOST_TEST(g.try_enter(t0 + ms(100), &t, wake));
    BOOST_TEST(!g.try_enter(t0 + ms(150), &t, wake));
    BOOST_TEST(std::chrono::duration_cast<ms>(wake - t0).count() == 200);
    BOOST_TEST(g.try_enter(t0 + ms(1000), &t, wake), "an idle gap does not bank a burst beyond one");
    BOOST_TEST(!g.try_enter(t0 + ms(1000), &t, wake));
}

// A rate so small that its interval would overflow the clock's integer nanoseconds (undefined
// behaviour; UBSan's float-cast-overflow) is one start per 10^6 s.
BOOST_AUTO_TEST_CASE(a_tiny_rate_spaces_starts_by_at_most_a_million_seconds)
{
    for (double rate : {1e-12, 1e-300, 5e-324}) {
        gate_t g;
        g.set_limits({0, rate});
        fake_timer t;
        clk::time_point wake{};
        const auto t0 = clk::now();
        BOOST_TEST(g.try_enter(t0, &t, wake));
        BOOST_TEST(!g.try_enter(t0 + ms(1), &t, wake));
        BOOST_TEST(std::chrono::duration_cast<std::chrono::seconds>(wake - t0).count() == 1000000, rate);
    }
}

BOOST_AUTO_TEST_CASE(unlimited_gate_never_blocks)
{
    gate_t g;
    g.set_limits({0, 0});
    fake_timer t;
    clk::time_point wake{};
    for (int i = 0; i < 1000; ++i) BOOST_TEST_REQUIRE(g.try_enter(clk::now(), &t, wake));
}

BOOST_AUTO_TEST_CASE(image_sniffing)
{
    using akool::image_extension;
    BOOST_TEST(image_extension(std::string("\x89PNG\r\n\x1a\n....", 12)) == ".png");
    BOOST_TEST(image_extension("\xff\xd8\xff\xe0") == ".jpg");
    BOOST_TEST(image_extension("GIF89a...") == ".gif");
    BOOST_TEST(image_extension(std::string("RIFF\x10\x00\x00\x00WEBPVP8 ", 16)) == ".webp");
    BOOST_TEST(image_extension("RIFF....WAVE") == "");
    BOOST_TEST(image_extension("<html>") == "");
    BOOST_TEST(image_extension("") == "");
    BOOST_TEST(image_extension("\x89PNG") == "", "a truncated signature is not an image");
}
