// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// The generate algorithm (detail/sansio/generate.hpp) stepped by hand: the output directory
// checked before the create, the create's failure, the polls of a batch (all out at once, each
// on its own schedule), the downloads, the first failure in request order, task ids that
// cannot name a file, generate without download, and cancellation with actions out. No
// Asio, no socket, no clock: times are plain values.
#define BOOST_TEST_MODULE sansio_generate
#include <boost/test/unit_test.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <akool/detail/sansio/generate.hpp>

#include <boost/system/errc.hpp>

#include "fake_replies.hpp"
#include "temp_dir.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace sansio = akool::detail::sansio;
namespace fs = std::filesystem;
using akool::error_code;
using akool::image_status;
using action = sansio::generate_action;
using clk = std::chrono::steady_clock;
using ms = std::chrono::milliseconds;

namespace {

akool::image_result result(image_status s, std::string url = {}) { return akool_test::result_of(s, std::move(url)); }

std::vector<akool::image_task> tasks(std::vector<std::string> ids)
{
    std::vector<akool::image_task> out;
    for (auto& id : ids) {
        akool::image_task t;
        t.id = std::move(id);
        t.status = image_status::queueing;
        out.push_back(std::move(t));
    }
    return out;
}

// One generate with its options, diagnostics and progress events.
struct rig {
    akool::generate_options opts;
    akool::diagnostics diag;
    std::vector<akool::progress_event> events;
    clk::time_point t0 = clk::time_point() + std::chrono::hours(1);
    std::unique_ptr<sansio::generate_algo> algo;

    explicit rig(bool download = true, std::string dir = {})
    {
        opts.download = download;
        opts.output_dir = std::move(dir);
        opts.wait.deadline = ms(10000);
        opts.wait.schedule = {ms(100), 1.0, ms(100), 0.0};
        opts.wait.on_progress = [this](const akool::progress_event& e) { events.push_back(e); };
        algo = std::make_unique<sansio::generate_algo>(opts, diag, sansio::jitter_source{});
    }
    clk::time_point at(int millis) const { return t0 + ms(millis); }
    // Starts and creates `ids`; returns the first action after the create.
    action created(std::vector<std::string> ids)
    {
        BOOST_TEST_REQUIRE(algo->start().kind == action::create);
        algo->on_created(t0, {}, tasks(std::move(ids)));
        return algo->next(t0);
    }
};

const error_code aborted = make_error_code(boost::system::errc::operation_canceled);

} // namespace

namespace akool {
inline std::ostream& boost_test_print_type(std::ostream& os, image_status s) { return os << to_string(s); }
} // namespace akool

BOOST_AUTO_TEST_SUITE(sansio_generate)

BOOST_AUTO_TEST_CASE(a_directory_that_takes_no_files_ends_it_before_the_create)
{
    akool_test::temp_dir tmp;
    const fs::path base = tmp.path();
    std::ofstream(base / "a-file") << "x";
    rig r(true, (base / "a-file" / "images").string());
    BOOST_TEST(r.algo->start().kind == action::done, "no create");
    BOOST_TEST(r.algo->error());
    BOOST_TEST(r.diag.client_message.find("nothing was sent") != std::string::npos, r.diag.client_message);
    BOOST_TEST(r.algo->value().empty());

    rig to_memory(false, (base / "a-file" / "images").string());
    BOOST_TEST(to_memory.algo->start().kind == action::create, "no download: the directory is not used");
}

BOOST_AUTO_TEST_CASE(a_failed_create_ends_it_with_the_creates_error)
{
    rig r;
    BOOST_TEST_REQUIRE(r.algo->start().kind == action::create);
    r.algo->on_created(r.t0, make_error_code(akool::error::outcome_unknown), {});
    BOOST_TEST(r.algo->next(r.t0).kind == action::done);
    BOOST_TEST((r.algo->error() == akool::error::outcome_unknown));
    BOOST_TEST(r.algo->value().empty());
    BOOST_TEST(r.events.empty());
}

BOOST_AUTO_TEST_CASE(every_task_is_polled_at_once_then_on_its_own_schedule_and_downloaded)
{
    rig r;
    action a = r.created({"t0", "t1"});
    BOOST_TEST_REQUIRE(r.events.size() == 2u, "the create's statuses are reported");
    BOOST_TEST(r.events[1].task_id == "t1");
    BOOST_TEST(r.events[1].index == 1u);
    BOOST_TEST(a.kind == action::poll);
    BOOST_TEST(a.task == 0u);
    BOOST_TEST(a.timeout.count() == 10000);
    a = r.algo->next(r.t0);
    BOOST_TEST(a.kind == action::poll);
    BOOST_TEST(a.task == 1u, "both polls out at once");
    a = r.algo->next(r.t0);
    BOOST_TEST(a.kind == action::idle);
    BOOST_TEST((a.wake_at == clk::time_point::max()), "nothing to start until a poll ends");

    r.algo->on_polled(0, r.at(10), {}, result(image_status::processing));
    a = r.algo->next(r.at(10));
    BOOST_TEST(a.kind == action::idle);
    BOOST_TEST((a.wake_at == r.at(110)), "t0's next poll");
    r.algo->task_diag(1).http_status = 200;  // as its last poll left it
    r.algo->on_polled(1, r.at(20), {}, result(image_status::completed, "https://cdn.example.test/t1.png"));
    a = r.algo->next(r.at(20));
    BOOST_TEST(a.kind == action::download);
    BOOST_TEST(a.task == 1u);
    BOOST_TEST(r.algo->task_diag(1).http_status == 0, "the download starts with its own diagnostics");
    BOOST_TEST(r.algo->download_url(1) == "https://cdn.example.test/t1.png");
    BOOST_TEST(r.algo->target(1).path.empty(), "to memory");
    a = r.algo->next(r.at(20));
    BOOST_TEST((a.kind == action::idle && a.wake_at == r.at(110)));
    a = r.algo->next(r.at(110));
    BOOST_TEST((a.kind == action::poll && a.task == 0u));
    BOOST_TEST(a.timeout.count() == 10000 - 110);

    r.algo->on_downloaded(1, {}, {"PNG-1", "", 5});
    r.algo->on_polled(0, r.at(120), {}, result(image_status::completed, "https://cdn.example.test/t0.png"));
    a = r.algo->next(r.at(120));
    BOOST_TEST((a.kind == action::download && a.task == 0u));
    BOOST_TEST(r.algo->next(r.at(120)).kind == action::idle);
    r.algo->on_downloaded(0, {}, {"PNG-0", "", 5});
    BOOST_TEST(r.algo->next(r.at(130)).kind == action::done);
    BOOST_TEST(!r.algo->error());
    auto& out = r.algo->value();
    BOOST_TEST_REQUIRE(out.size() == 2u);
    BOOST_TEST(out[0].task.id == "t0");
    BOOST_TEST(out[0].data == "PNG-0");
    BOOST_TEST(out[1].data == "PNG-1");
    BOOST_TEST(out[1].result.image_url == "https://cdn.example.test/t1.png");
    BOOST_TEST(!out[0].ec);
}

BOOST_AUTO_TEST_CASE(the_first_failure_in_request_order_decides_and_every_image_is_returned)
{
    rig r;
    r.created({"t0", "t1", "t2"});
    r.algo->next(r.t0);
    r.algo->next(r.t0);
    r.algo->on_polled(2, r.at(5), make_error_code(akool::error::bad_response), {});
    r.algo->task_diag(2).server_message = "garbled";
    r.algo->on_polled(1, r.at(6), {}, result(image_status::failed));
    r.algo->on_polled(0, r.at(7), {}, result(image_status::completed, "https://cdn.example.test/t0.png"));
    action a = r.algo->next(r.at(7));
    BOOST_TEST((a.kind == action::download && a.task == 0u));
    r.algo->on_downloaded(0, {}, {"PNG", "", 3});
    BOOST_TEST(r.algo->next(r.at(8)).kind == action::done);
    BOOST_TEST((r.algo->error() == akool::error::generation_failed), "t1 comes before t2");
    BOOST_TEST(r.diag.task_id == "t1");
    auto& out = r.algo->value();
    BOOST_TEST(!out[0].ec);
    BOOST_TEST(out[0].data == "PNG");
    BOOST_TEST((out[1].ec == akool::error::generation_failed));
    BOOST_TEST((out[1].result.status == image_status::failed));
    BOOST_TEST((out[2].ec == akool::error::bad_response));
    BOOST_TEST(out[2].diag.task_id == "t2");
    BOOST_TEST(out[2].diag.server_message == "garbled");
}

BOOST_AUTO_TEST_CASE(a_task_id_that_cannot_name_a_file_is_neither_polled_nor_written)
{
    akool_test::temp_dir tmp;
    const fs::path dir = fs::path(tmp.path()) / "out";
    rig r(true, dir.string());
    action a = r.created({"../evil", "good_1"});
    BOOST_TEST((a.kind == action::poll && a.task == 1u), "only the good id is polled");
    BOOST_TEST(r.algo->next(r.t0).kind == action::idle);
    r.algo->on_polled(1, r.at(5), {}, result(image_status::completed, "https://cdn.example.test/g.png"));
    a = r.algo->next(r.at(5));
    BOOST_TEST((a.kind == action::download && a.task == 1u));
    BOOST_TEST(r.algo->target(1).path == (dir / "good_1").string());
    BOOST_TEST(r.algo->target(1).add_extension);
    r.algo->on_downloaded(1, {}, {"", (dir / "good_1.png").string(), 3});
    BOOST_TEST(r.algo->next(r.at(6)).kind == action::done);
    BOOST_TEST((r.algo->error() == akool::error::invalid_task_id));
    BOOST_TEST(r.algo->value()[1].file_path == (dir / "good_1.png").string());
    BOOST_TEST(r.diag.client_message.find("not used as a file name") != std::string::npos, r.diag.client_message);
    BOOST_TEST(r.algo->value()[0].diag.task_id == "../evil", "the id as the service gave it");
    BOOST_TEST(r.algo->value()[0].diag.client_message.find("task id \"../evil\" is not") != std::string::npos,
               r.algo->value()[0].diag.client_message);
}

BOOST_AUTO_TEST_CASE(without_download_a_completed_task_is_done)
{
    rig r(false);
    r.created({"t0"});
    r.algo->on_polled(0, r.at(5), {}, result(image_status::completed, "https://cdn.example.test/t0.png"));
    BOOST_TEST(r.algo->next(r.at(5)).kind == action::done);
    BOOST_TEST(!r.algo->error());
    BOOST_TEST(r.algo->value()[0].result.image_url == "https://cdn.example.test/t0.png");
    BOOST_TEST(r.algo->value()[0].data.empty());
}

BOOST_AUTO_TEST_CASE(a_deadline_that_passes_between_polls_ends_the_task)
{
    rig r;
    r.opts.wait.deadline = ms(150);
    r.created({"t0"});
    r.algo->on_polled(0, r.at(100), {}, result(image_status::processing));
    action a = r.algo->next(r.at(100));
    BOOST_TEST((a.kind == action::idle && a.wake_at == r.at(150)), "the sleep is cut to the deadline");
    BOOST_TEST(r.algo->next(r.at(150)).kind == action::done);
    BOOST_TEST((r.algo->error() == akool::error::timeout));
    BOOST_TEST(r.diag.task_id == "t0");
}

// The blocking driver starts one action at a time: a due poll goes before a ready download,
// and a poll that fell due before the deadline is made when the driver comes back after it
// (from another task's download), with the time left when it fell due. Before, task 1 was not
// polled once: the download came first, and the late poll found the deadline past (a timeout
// for an image that had finished in time; helper-39's audit).
BOOST_AUTO_TEST_CASE(a_due_poll_goes_before_a_download_and_is_made_however_late_the_driver_comes)
{
    rig r;
    r.opts.wait.deadline = ms(1500);
    action a = r.created({"t0", "t1"});
    BOOST_TEST_REQUIRE((a.kind == action::poll && a.task == 0u));
    r.algo->on_polled(0, r.at(10), {}, result(image_status::completed, "https://cdn.example.test/t0.png"));
    a = r.algo->next(r.at(10));
    BOOST_TEST((a.kind == action::poll && a.task == 1u), "t1's first poll before t0's download");
    r.algo->on_polled(1, r.at(20), {}, result(image_status::processing));
    a = r.algo->next(r.at(20));
    BOOST_TEST((a.kind == action::download && a.task == 0u));
    // t0's image host takes 2 s: the driver comes back past the deadline.
    r.algo->on_downloaded(0, {}, {"PNG-0", "", 5});
    a = r.algo->next(r.at(2020));
    BOOST_TEST_REQUIRE((a.kind == action::poll && a.task == 1u), "the poll due at 120 ms is made");
    BOOST_TEST(a.timeout.count() == 1500 - 120, "with the time left when it fell due");
    r.algo->on_polled(1, r.at(2030), {}, result(image_status::completed, "https://cdn.example.test/t1.png"));
    a = r.algo->next(r.at(2030));
    BOOST_TEST((a.kind == action::download && a.task == 1u));
    r.algo->on_downloaded(1, {}, {"PNG-1", "", 5});
    BOOST_TEST(r.algo->next(r.at(2040)).kind == action::done);
    BOOST_TEST(!r.algo->error(), r.diag.client_message);
    BOOST_TEST(r.algo->value()[1].data == "PNG-1");
}

// ... nor does a ready download wait behind polls that keep falling due (slow polls of the
// other tasks): the action that became possible first goes first (helper-41's review).
BOOST_AUTO_TEST_CASE(a_ready_download_does_not_wait_behind_polls_that_keep_falling_due)
{
    rig r;
    action a = r.created({"t0", "t1"});
    BOOST_TEST_REQUIRE((a.kind == action::poll && a.task == 0u));
    r.algo->on_polled(0, r.at(10), {}, result(image_status::completed, "https://cdn.example.test/t0.png"));
    a = r.algo->next(r.at(10));
    BOOST_TEST_REQUIRE((a.kind == action::poll && a.task == 1u), "due since the create, before t0 was ready");
    r.algo->on_polled(1, r.at(500), {}, result(image_status::processing));  // a slow poll: the next is due at 600
    a = r.algo->next(r.at(700));
    BOOST_TEST((a.kind == action::download && a.task == 0u), "ready since 10 ms, before t1's poll fell due");
    a = r.algo->next(r.at(700));
    BOOST_TEST((a.kind == action::poll && a.task == 1u));
}

BOOST_AUTO_TEST_CASE(a_poll_that_falls_due_after_the_deadline_is_not_made)
{
    rig r;
    r.opts.wait.deadline = ms(1500);
    r.created({"t0"});
    r.algo->on_polled(0, r.at(1450), {}, result(image_status::processing));
    action a = r.algo->next(r.at(1450));
    BOOST_TEST((a.kind == action::idle && a.wake_at == r.at(1500)), "the sleep is cut to the deadline");
    BOOST_TEST(r.algo->next(r.at(3000)).kind == action::done);
    BOOST_TEST((r.algo->error() == akool::error::timeout));
}

// A poll so far off that its time is the clock's last (no deadline, centuries of delay): the
// task is still waited for, idle until then (helper-47: next() took time_point::max() for "no
// poll due" and ended the generate with no error, the task unfinished and without a URL).
BOOST_AUTO_TEST_CASE(a_poll_due_at_the_clocks_end_is_still_waited_for)
{
    rig r(false);
    r.opts.wait.deadline = ms(0);
    r.opts.wait.schedule = {std::chrono::hours(24 * 365 * 400), 1.0, std::chrono::hours(24 * 365 * 400), 0.0};
    action a = r.created({"t0"});
    BOOST_TEST_REQUIRE(a.kind == action::poll);
    r.algo->on_polled(0, r.at(10), {}, result(image_status::processing));
    a = r.algo->next(r.at(10));
    BOOST_TEST(a.kind == action::idle, "not done");
    BOOST_TEST((a.wake_at == clk::time_point::max()));
    BOOST_TEST(!r.algo->error());
}

BOOST_AUTO_TEST_CASE(cancel_starts_nothing_more_and_waits_for_what_is_out)
{
    rig r;
    r.created({"t0", "t1", "t2"});
    r.algo->next(r.t0);
    r.algo->next(r.t0);
    r.algo->on_polled(1, r.at(5), {}, result(image_status::processing));  // t1 sleeps
    r.algo->on_polled(2, r.at(5), {}, result(image_status::completed, "https://cdn.example.test/t2.png"));
    action a = r.algo->next(r.at(5));
    BOOST_TEST((a.kind == action::download && a.task == 2u));
    r.algo->cancel(aborted);  // t0's poll and t2's download are out
    a = r.algo->next(r.at(500));
    BOOST_TEST(a.kind == action::idle, "nothing new starts, t1's poll is not due any more");
    BOOST_TEST((a.wake_at == clk::time_point::max()));
    r.algo->on_polled(0, r.at(501), aborted, {});
    BOOST_TEST(r.algo->next(r.at(501)).kind == action::idle);
    r.algo->on_downloaded(2, aborted, {});
    BOOST_TEST(r.algo->next(r.at(502)).kind == action::done);
    BOOST_TEST(r.algo->error() == aborted);
    auto& out = r.algo->value();
    for (auto& img : out) BOOST_TEST(img.ec == aborted);
    BOOST_TEST(out[1].diag.task_id == "t1");
}

// A poll that was out when the generate was cancelled, and that comes back with a good reply
// (the cancel reached it too late): nothing starts after it, neither a next poll of a task
// still processing nor the download of a completed one (helper-27's mutations G4, G5).
BOOST_DATA_TEST_CASE(a_good_poll_reply_after_cancel_starts_nothing,
                     boost::unit_test::data::make({image_status::processing, image_status::completed}), status)
{
    rig r;
    BOOST_TEST_REQUIRE(r.created({"t0"}).kind == action::poll);
    r.algo->cancel(aborted);
    r.algo->on_polled(0, r.at(5), {}, result(status, "https://cdn.example.test/t0.png"));
    const action a = r.algo->next(r.at(5));
    BOOST_TEST(a.kind == action::done);
    BOOST_TEST(r.algo->error() == aborted);
    BOOST_TEST(r.algo->next(r.at(500)).kind == action::done);
}

BOOST_AUTO_TEST_SUITE_END()
