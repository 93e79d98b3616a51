// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// akool::blocking_client (the Asio-free facade) against the emulator over real sockets: every
// call in its error_code and throwing forms, failures with the server's words, and cancel()
// from another thread: a wait, a generate and a retry backoff end promptly with
// operation_aborted (no file left behind), a cancel with no call running does not reach the
// next call, and a create whose bytes were sent is never resent. With credentials alone
// (client_options::credentials) it gets a token, and a new one when that expires.
#define BOOST_TEST_MODULE blocking_client
#include <boost/test/unit_test.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include "../../example/emulator/emulator.hpp"
#include "stalled_dns.hpp"
#include "temp_dir.hpp"

#include <akool/blocking_client.hpp>

#include <boost/asio/error.hpp>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace emu = akool_emulator;
namespace fs = std::filesystem;
using ms = std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

namespace {

const std::string png_magic("\x89PNG", 4);

struct rig {
    emu::server srv;
    akool::blocking_client client;

    static emu::options emulator_options(ms queue)
    {
        emu::options o;
        o.api_key = "facade-key";
        o.queue_time = queue;
        o.process_time = ms(0);
        return o;
    }
    akool::client_options client_options() const
    {
        akool::client_options o;
        o.base_url = srv.base_url();
        o.api_key = "facade-key";
        return o;
    }
    explicit rig(ms queue = ms(0)) : srv(emulator_options(queue)), client((srv.start(), client_options()))
    {
        akool::retry_policy fast;
        fast.initial_backoff = ms(1);
        fast.max_backoff = ms(2);
        client.set_retry_policy(fast);
    }
};

akool::wait_options fast_wait()
{
    akool::wait_options w;
    w.schedule = {ms(5), 1.0, ms(5), 0.0};
    w.deadline = ms(20000);
    return w;
}

akool::image_request two_images()
{
    auto req = akool::image_request::text_to_image("two lighthouses");
    req.batch_quantity = 2;
    return req;
}

// Runs `call` on this thread and cancel() from another one after `delay`; returns how long
// the call took after the cancel.
template <class Call>
ms cancel_after(akool::blocking_client& c, ms delay, Call&& call)
{
    steady::time_point cancelled_at;
    std::thread canceller([&] {
        std::this_thread::sleep_for(delay);
        cancelled_at = steady::now();
        c.cancel();
    });
    call();
    auto end = steady::now();
    canceller.join();
    return std::chrono::duration_cast<ms>(end - cancelled_at);
}

} // namespace

BOOST_AUTO_TEST_CASE(every_call_with_error_codes)
{
    rig r;
    akool::error_code ec;
    akool::diagnostics diag;
    auto tasks = r.client.create(two_images(), ec, diag);
    BOOST_TEST_REQUIRE(!ec, ec.message() << " " << diag.summary());
    BOOST_REQUIRE_EQUAL(tasks.size(), 2u);

    auto first = r.client.get_result(tasks[0].id, ec, diag);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(first.id == tasks[0].id);

    auto done = r.client.wait(tasks[1].id, fast_wait(), ec, diag);
    BOOST_TEST_REQUIRE(!ec, ec.message());
    BOOST_TEST((done.status == akool::image_status::completed));

    std::string png = r.client.download(done.image_url, {}, ec, diag);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(png.compare(0, 4, png_magic) == 0);

    akool_test::temp_dir tmp;
    const fs::path dir = tmp.path();
    std::uint64_t n = r.client.download_to_file(done.image_url, (dir / "one.png").string(), {}, ec, diag);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(n == png.size());
    BOOST_TEST(fs::file_size(dir / "one.png") == png.size());

    akool::generate_options g;
    g.wait = fast_wait();
    g.output_dir = dir.string();
    auto images = r.client.generate(two_images(), g, ec, diag);
    BOOST_TEST_REQUIRE(!ec, ec.message() << " " << diag.summary());
    BOOST_REQUIRE_EQUAL(images.size(), 2u);
    for (const auto& im : images) BOOST_TEST(fs::exists(im.file_path));

    std::string token = r.client.get_token({"client-id-16-chr", "secret"}, ec, diag);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(!token.empty());
}

// Every call's form with an error_code and no diagnostics: its outcome, and a failure reported
// in the error_code, not thrown.
BOOST_AUTO_TEST_CASE(every_call_with_an_error_code_alone)
{
    rig r;
    akool::error_code ec;
    auto tasks = r.client.create(two_images(), ec);
    BOOST_TEST_REQUIRE(!ec, ec.message());
    BOOST_TEST(r.client.get_result(tasks.at(0).id, ec).id == tasks[0].id);
    BOOST_TEST(!ec, ec.message());
    auto done = r.client.wait(tasks.at(1).id, fast_wait(), ec);
    BOOST_TEST_REQUIRE(!ec, ec.message());
    const std::string png = r.client.download(done.image_url, {}, ec);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(png.compare(0, 4, png_magic) == 0);

    akool_test::temp_dir tmp;
    const fs::path dir = tmp.path();
    BOOST_TEST(r.client.download_to_file(done.image_url, (dir / "one.png").string(), {}, ec) == png.size());
    BOOST_TEST(!ec, ec.message());
    akool::generate_options g;
    g.wait = fast_wait();
    g.output_dir = dir.string();
    BOOST_TEST(r.client.generate(two_images(), g, ec).size() == 2u);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(!r.client.get_token({"client-id-16-chr", "secret"}, ec).empty());
    BOOST_TEST(!ec, ec.message());

    // Failures: in the error_code.
    auto invalid = two_images();
    invalid.batch_quantity = 9;
    BOOST_TEST(r.client.generate(invalid, g, ec).empty());
    BOOST_TEST((ec == akool::error::validation_failed), ec.message());
    BOOST_TEST(r.client.download("ftp://cdn.example.test/1.png", {}, ec).empty());
    BOOST_TEST((ec == akool::error::invalid_url), ec.message());
    BOOST_TEST(r.client.download_to_file("ftp://cdn.example.test/1.png", (dir / "two.png").string(), {}, ec) == 0u);
    BOOST_TEST((ec == akool::error::invalid_url), ec.message());
    BOOST_TEST(!fs::exists(dir / "two.png"));
}

BOOST_AUTO_TEST_CASE(throwing_forms_carry_the_servers_words)
{
    rig r;
    auto tasks = r.client.create(two_images());
    BOOST_REQUIRE_EQUAL(tasks.size(), 2u);
    BOOST_TEST((r.client.wait(tasks[0].id, fast_wait()).status == akool::image_status::completed));

    r.srv.answer_next(1101);  // invalid authorization
    try {
        r.client.get_result(tasks[0].id);
        BOOST_FAIL("no exception");
    } catch (const akool::error_with_diagnostics& e) {
        BOOST_TEST((e.code() == akool::error::api_invalid_authorization));
        BOOST_TEST(e.get_diagnostics().api_code == 1101);
    }

    auto bad = akool::image_request::text_to_image("   ");
    BOOST_CHECK_THROW(r.client.create(bad), akool::error_with_diagnostics);
    BOOST_TEST(r.srv.get_stats().creates_processed == 1u);  // the invalid request was never sent
}

BOOST_AUTO_TEST_CASE(cancel_ends_a_wait_promptly)
{
    rig r(ms(60000));  // a task that queues for a minute
    auto tasks = r.client.create(two_images());
    akool::error_code ec;
    akool::diagnostics diag;
    akool::wait_options w = fast_wait();
    w.deadline = ms(10000);  // without the cancel: error::timeout after 10 s
    ms late = cancel_after(r.client, ms(300), [&] { r.client.wait(tasks[0].id, w, ec, diag); });
    BOOST_TEST((ec == boost::asio::error::operation_aborted), ec.message());
    BOOST_TEST(late.count() < 1000);
}

// A DNS server that does not answer: cancel() ends the call at once, and resolve_timeout
// bounds it; the lookup cannot be stopped, and the call waited for it before (10 s here).
BOOST_AUTO_TEST_CASE(cancel_and_the_resolve_timeout_end_a_stalled_lookup)
{
    akool::client_options o;
    o.base_url = "http://api.stalled.test";
    o.api_key = "facade-key";
    akool::beast_transport_options t;
    t.resolve_timeout = ms(30000);
    akool::blocking_client c(o, t);
    akool::retry_policy once;
    once.max_retries = 0;
    c.set_retry_policy(once);
    {
        stalled_dns::scope dns;
        akool::error_code ec;
        akool::diagnostics diag;
        ms late = cancel_after(c, ms(300), [&] { c.create(two_images(), ec, diag); });
        BOOST_TEST((ec == boost::asio::error::operation_aborted), ec.message());
        BOOST_TEST(late.count() < 1000);
        BOOST_TEST(dns.started() == 1);
    }
    t.resolve_timeout = ms(200);
    akool::blocking_client quick(o, t);
    quick.set_retry_policy(once);
    stalled_dns::scope dns;
    akool::error_code ec;
    akool::diagnostics diag;
    const auto start = steady::now();
    quick.get_result("6650a1b2c3d4e5f6a7b8c9d0", ec, diag);
    BOOST_TEST((ec == akool::error::timeout), ec.message());
    BOOST_TEST((steady::now() - start < ms(3000)));
    BOOST_TEST(diag.client_message.find("timed out resolving api.stalled.test") != std::string::npos,
               diag.client_message);
}

BOOST_AUTO_TEST_CASE(cancel_ends_a_generate_and_leaves_no_file)
{
    rig r(ms(60000));
    akool_test::temp_dir tmp;
    const fs::path dir = fs::path(tmp.path()) / "out";  // absent: the generate creates it
    akool::generate_options g;
    g.wait = fast_wait();
    g.wait.deadline = ms(10000);  // without the cancel: error::timeout after 10 s
    g.output_dir = dir.string();
    akool::error_code ec;
    akool::diagnostics diag;
    std::vector<akool::generated_image> images;
    ms late = cancel_after(r.client, ms(300), [&] { images = r.client.generate(two_images(), g, ec, diag); });
    BOOST_TEST((ec == boost::asio::error::operation_aborted), ec.message());
    BOOST_TEST(late.count() < 1000);
    std::size_t files = 0;
    if (fs::exists(dir))
        for (auto it = fs::directory_iterator(dir); it != fs::directory_iterator(); ++it) ++files;
    BOOST_TEST(files == 0u);
}

BOOST_AUTO_TEST_CASE(cancel_ends_a_retry_backoff)
{
    rig r;
    akool::retry_policy slow;
    slow.max_retries = 3;
    slow.initial_backoff = ms(30000);
    slow.max_backoff = ms(30000);
    r.client.set_retry_policy(slow);
    auto tasks = r.client.create(two_images());
    r.srv.fail_next(emu::fault_kind::http_503, 10);
    akool::error_code ec;
    akool::diagnostics diag;
    ms late = cancel_after(r.client, ms(300), [&] { r.client.get_result(tasks[0].id, ec, diag); });
    BOOST_TEST((ec == boost::asio::error::operation_aborted), ec.message());
    BOOST_TEST(late.count() < 1000);
}

BOOST_AUTO_TEST_CASE(a_cancel_with_no_call_running_does_not_reach_the_next_call)
{
    rig r;
    r.client.cancel();
    r.client.cancel();
    akool::error_code ec;
    auto tasks = r.client.create(two_images(), ec);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(tasks.size() == 2u);
    akool::diagnostics diag;
    auto res = r.client.wait(tasks[0].id, fast_wait(), ec, diag);
    BOOST_TEST(((res.status == akool::image_status::completed)));
    BOOST_TEST(!ec, ec.message());
}

// A cancel that comes while a download's bytes keep arriving at once (loopback: every read
// finds data waiting) ends it: it was lost between two reads, and the download returned the
// whole image (helper-31's engine trial). Here cancel() is called from the first progress
// event, on the calling thread, while no read is pending.
BOOST_AUTO_TEST_CASE(cancel_ends_a_download_whose_bytes_keep_coming)
{
    emu::options o = rig::emulator_options(ms(0));
    o.image_scale_down = 2;  // 1920 px: megabytes of PNG
    emu::server srv(o);
    srv.start();
    akool::client_options co;
    co.base_url = srv.base_url();
    co.api_key = "facade-key";
    akool::blocking_client client(co);
    auto tasks = client.create(two_images());
    auto done = client.wait(tasks[0].id, fast_wait());
    BOOST_REQUIRE(done.status == akool::image_status::completed);
    for (bool to_file : {false, true}) {
        BOOST_TEST_MESSAGE((to_file ? "download_to_file" : "download"));
        akool_test::temp_dir tmp;
        const std::string path = (fs::path(tmp.path()) / "image.png").string();
        std::uint64_t received = 0;
        akool::download_options d;
        d.on_progress = [&](const akool::download_progress& p) {
            if (received == 0) client.cancel();
            received = p.received;
        };
        akool::error_code ec;
        akool::diagnostics diag;
        std::string body;
        if (to_file)
            client.download_to_file(done.image_url, path, d, ec, diag);
        else
            body = client.download(done.image_url, d, ec, diag);
        BOOST_TEST((ec == boost::asio::error::operation_aborted), ec.message() << ", " << received << " bytes");
        BOOST_TEST(body.empty());
        BOOST_TEST(!fs::exists(path));
        std::size_t files = 0;
        for (auto it = fs::directory_iterator(tmp.path()); it != fs::directory_iterator(); ++it) ++files;
        BOOST_TEST(files == 0u, "no temporary file stays");
        // The next call is not affected.
        auto image = client.download(done.image_url, {}, ec, diag);
        BOOST_TEST(!ec, ec.message());
        BOOST_TEST(image.size() > 1000000u, image.size() << " bytes");
    }
}

// stop() ends the running call and every later one, at once and with nothing sent, until
// restart(): unlike cancel(), it is not lost when it comes before the worker's call starts
// (helper-31: a quit right after starting a generate waited for the whole generate).
BOOST_AUTO_TEST_CASE(stop_ends_the_running_call_and_every_later_one_until_restart)
{
    rig r(ms(60000));
    BOOST_TEST(!r.client.stopped());
    r.client.stop();  // before any call: not lost
    BOOST_TEST(r.client.stopped());
    akool::error_code ec;
    akool::diagnostics diag;
    const auto start = steady::now();
    auto images = r.client.generate(two_images(), {}, ec, diag);
    BOOST_TEST((ec == boost::asio::error::operation_aborted), ec.message());
    BOOST_TEST(diag.client_message == "the client is stopped (blocking_client::stop()): nothing was sent");
    BOOST_TEST(images.empty());
    BOOST_TEST((steady::now() - start < ms(100)));
    BOOST_TEST(r.srv.get_stats().requests == 0u, "nothing was sent");

    r.client.restart();
    BOOST_TEST(!r.client.stopped());
    auto tasks = r.client.create(two_images(), ec, diag);  // runs again
    BOOST_TEST(!ec, ec.message());
    BOOST_REQUIRE(tasks.size() == 2u);

    // During a call (a wait of a task queued for a minute): the call ends at once, and so do
    // the ones after it.
    steady::time_point stopped_at;
    std::thread stopper([&] {
        std::this_thread::sleep_for(ms(300));
        stopped_at = steady::now();
        r.client.stop();
    });
    r.client.wait(tasks[0].id, fast_wait(), ec, diag);
    const auto late = steady::now() - stopped_at;
    stopper.join();
    BOOST_TEST((ec == boost::asio::error::operation_aborted), ec.message());
    BOOST_TEST((late < ms(1000)));
    const auto polls = r.srv.get_stats().requests;
    r.client.get_result(tasks[0].id, ec, diag);
    BOOST_TEST((ec == boost::asio::error::operation_aborted), ec.message());
    BOOST_TEST(r.srv.get_stats().requests == polls, "nothing was sent");
    r.client.restart();
    auto res = r.client.get_result(tasks[0].id, ec, diag);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST((res.status == akool::image_status::queueing));
}

BOOST_AUTO_TEST_CASE(a_create_whose_bytes_were_sent_is_not_resent_after_cancel)
{
    rig r;
    r.srv.set_faults([] {
        emu::fault_plan p;
        p.latency = ms(2000);  // the create is read and processed, its reply late
        return p;
    }());
    akool::error_code ec;
    akool::diagnostics diag;
    cancel_after(r.client, ms(500), [&] { r.client.create(two_images(), ec, diag); });
    BOOST_TEST((ec == akool::error::outcome_unknown), ec.message());
    r.srv.clear_faults();
    std::this_thread::sleep_for(ms(300));  // a resend would come within a few ms (backoff 1-2 ms)
    BOOST_TEST(r.srv.get_stats().requests_on(std::string(emu::paths::create)) == 1u);
}

BOOST_AUTO_TEST_CASE(moves_keep_the_client_usable)
{
    rig r;
    akool::blocking_client moved(std::move(r.client));
    akool::error_code ec;
    auto tasks = moved.create(two_images(), ec);
    BOOST_TEST(!ec, ec.message());
    akool::blocking_client assigned;
    assigned = std::move(moved);
    auto res = assigned.get_result(tasks[0].id, ec);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(res.id == tasks[0].id);
}

BOOST_AUTO_TEST_CASE(a_callback_that_throws_ends_the_call_and_the_client_stays_usable)
{
    rig r;
    auto tasks = r.client.create(two_images());
    akool::wait_options w = fast_wait();
    w.on_progress = [](const akool::progress_event&) { throw std::runtime_error("thrown by on_progress"); };
    akool::error_code ec;
    akool::diagnostics diag;
    BOOST_CHECK_THROW(r.client.wait(tasks[0].id, w, ec, diag), std::runtime_error);
    auto res = r.client.wait(tasks[1].id, fast_wait(), ec, diag);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST((res.status == akool::image_status::completed));
}

// Each callback of the options throwing in a generate of two images to files: the exchange
// hook at the create's exchange (1) or at a poll's (2, 3), a status change, a download's
// progress. The generate ends promptly with that exception (an exchange hook that threw inside
// a poll once left the generate waiting for that poll for ever), no temporary file is left,
// and the client stays usable.
BOOST_DATA_TEST_CASE(a_callback_that_throws_ends_a_generate,
                     boost::unit_test::data::make({"exchange 1", "exchange 2", "exchange 3", "progress", "download"}),
                     which_text)
{
    const std::string which = which_text;
    emu::server srv(rig::emulator_options(ms(100)));
    srv.start();
    akool::client_options opts;
    opts.base_url = srv.base_url();
    opts.api_key = "facade-key";
    int exchanges = 0;
    opts.on_exchange = [&](const akool::exchange_record&) {
        ++exchanges;
        if (which == "exchange " + std::to_string(exchanges)) throw std::runtime_error("thrown by on_exchange");
    };
    akool::blocking_client client(opts);
    akool_test::temp_dir tmp;
    akool::generate_options g;
    g.wait = fast_wait();
    g.output_dir = tmp.path();
    if (which == "progress")
        g.wait.on_progress = [](const akool::progress_event&) { throw std::runtime_error("thrown by on_progress"); };
    if (which == "download")
        g.download_limits.on_progress = [](const akool::download_progress&) {
            throw std::runtime_error("thrown by a download's on_progress");
        };
    akool::error_code ec;
    akool::diagnostics diag;
    const auto start = steady::now();
    BOOST_CHECK_THROW(client.generate(two_images(), g, ec, diag), std::runtime_error);
    BOOST_TEST((steady::now() - start < std::chrono::seconds(5)), "promptly");
    for (const auto& e : fs::directory_iterator(tmp.path()))
        BOOST_TEST(e.path().filename().string().find(".part") == std::string::npos, e.path());
    exchanges = 100;  // no more throws
    akool::generate_options fine;
    fine.wait = fast_wait();
    auto images = client.generate(two_images(), fine, ec, diag);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(images.size() == 2u);
}

BOOST_AUTO_TEST_CASE(with_credentials_alone_it_gets_and_renews_its_token)
{
    emu::options o = rig::emulator_options(ms(0));
    o.client_id = "facade-client-id";
    o.client_secret = "facade-client-secret";
    o.token_ttl = ms(300);
    emu::server srv(o);
    srv.start();
    akool::client_options opts;
    opts.base_url = srv.base_url();
    opts.credentials = akool::client_credentials{o.client_id, o.client_secret};
    akool::blocking_client client(opts);

    akool_test::temp_dir tmp;
    akool::generate_options g;
    g.wait = fast_wait();
    g.output_dir = tmp.path();
    akool::error_code ec;
    akool::diagnostics diag;
    auto images = client.generate(two_images(), g, ec, diag);
    BOOST_TEST_REQUIRE(!ec, ec.message() << " " << diag.summary());
    BOOST_TEST(images.size() == 2u);
    BOOST_TEST(srv.get_stats().tokens_issued == 1u, "one token for the create, the polls and the downloads");
    BOOST_TEST(srv.get_stats().creates_processed == 1u);

    std::this_thread::sleep_for(ms(400));  // the token expires
    auto r = client.get_result(images[0].task.id, ec, diag);
    BOOST_TEST(!ec, ec.message() << " " << diag.summary());
    BOOST_TEST(r.id == images[0].task.id);
    BOOST_TEST(srv.get_stats().tokens_issued == 2u);
    BOOST_TEST(diag.summary().find(o.client_secret) == std::string::npos);
}
