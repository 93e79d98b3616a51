// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// `akool-image batch` as a child process against the emulator (in-process, real sockets):
// killed with SIGKILL at random points three times and resumed until done, with and without
// injected faults, no create is ever processed twice (the emulator's /_emulator/stats
// max_creates_per_body) and every image of every line that had a reply is saved; lines of
// unknown outcome are reported and resent only on request; a torn last journal line is ignored
// with a warning; an invalid manifest, another manifest's journal and a dead service give their
// exit codes with nothing sent.

#define BOOST_TEST_MODULE cli_batch
#include <boost/test/unit_test.hpp>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include "../../example/emulator/emulator.hpp"
#include "http_test_client.hpp"
#include "run_process.hpp"
#include "test_certs.hpp"

#include <akool/batch_journal.hpp>

#include <boost/algorithm/string/join.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bdata = boost::unit_test::data;
namespace emu = akool_emulator;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string api_key = "batch-secret-key-7c1d9e4a";

std::string tool_path() { return std::string(AKOOL_BIN_DIR) + "/akool-image"; }

std::string read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, const std::string& text)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

bool is_png(const std::string& bytes) { return bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0; }

/// An emulator with short timings and a work directory (manifest, output, journal).
struct fixture {
    emu::server srv;
    akool_test::temp_dir work{"akool-batch-"};
    std::string dir = work.path();
    std::string out = dir + "/out";
    std::string manifest = dir + "/manifest.jsonl";

    static emu::options make_options(double fail_rate)
    {
        emu::options o;
        o.api_key = api_key;
        o.queue_time = 100ms;
        o.process_time = 200ms;
        o.seed = 18;
        o.faults = emu::fault_plan::spread(fail_rate);
        o.faults.latency = 40ms;  // keeps creates in flight long enough to be cut by a kill
        o.faults.retry_after = std::chrono::seconds(0);
        return o;
    }

    explicit fixture(double fail_rate = 0) : srv(make_options(fail_rate)) { srv.start(); }

    std::map<std::string, std::string> env() const
    {
        return {{"AKOOL_BASE_URL", srv.base_url()}, {"AKOOL_API_KEY", api_key}};
    }

    /// Runs `akool-image batch manifest --out out ...`, SIGKILLed after `limit`.
    akool_test::run_result run(std::vector<std::string> extra, std::chrono::milliseconds limit = 60s) const
    {
        std::vector<std::string> args{"batch", manifest, "--out", out};
        args.insert(args.end(), extra.begin(), extra.end());
        auto r = akool_test::run_process(tool_path(), args, env(), "/dev/null", limit);
        BOOST_TEST(r.out.find(api_key) == std::string::npos);
        BOOST_TEST(r.err.find(api_key) == std::string::npos);
        return r;
    }

    /// The names in the output directory, sorted.
    std::vector<std::string> files() const
    {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(out)) names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }

    /// The emulator's counters, read over HTTP as a user would.
    boost::json::object stats() const
    {
        akool_test::http_test_client c(srv.base_url());
        boost::system::error_code ec;
        auto reply = c.request(boost::beast::http::verb::get, "/_emulator/stats", "", {}, ec);
        BOOST_TEST_REQUIRE(!ec, ec.message());
        return boost::json::parse(reply.body).as_object();
    }

    std::uint64_t creates() const { return stats().at("creates_processed").to_number<std::uint64_t>(); }

    /// The journal as the library reads it back.
    akool::batch_journal journal(std::size_t lines, std::vector<std::string>* warnings = nullptr) const
    {
        akool::journal_replay_report report;
        akool::error_code ec;
        std::string message;
        auto j = akool::batch_journal::replay(read_file(out + "/.akool-batch.jsonl"),
                                              akool::manifest_digest(read_file(manifest)), lines, report, ec, message);
        BOOST_TEST_REQUIRE(!ec, message);
        if (warnings) *warnings = report.warnings;
        return j;
    }
};

/// `count` distinct requests (distinct bodies: the emulator counts creates per body); every
/// fifth makes two images under a name.
std::string make_manifest(std::size_t count)
{
    std::string text;
    for (std::size_t i = 1; i <= count; ++i) {
        boost::json::object o;
        o["prompt"] = "batch picture number " + std::to_string(i);
        o["resolution"] = "1080p";
        if (i % 5 == 0) {
            o["batch_quantity"] = 2;
            o["name"] = "named_" + std::to_string(i);
        }
        text += boost::json::serialize(o) + "\n";
    }
    return text;
}

bool settled(const akool::batch_journal& j)
{
    for (std::size_t n = 1; n <= j.line_count(); ++n)
        if (j.at(n).state != akool::line_state::done && j.at(n).state != akool::line_state::unknown) return false;
    return true;
}

} // namespace

// ---- crash and resume ----------------------------------------------------------------------

BOOST_DATA_TEST_CASE(killed_three_times_then_resumed_until_done, bdata::make(std::vector<double>{0.0, 0.2}),
                     fail_rate)
{
    constexpr std::size_t lines = 40;
    fixture f(fail_rate);
    write_file(f.manifest, make_manifest(lines));
    std::random_device rd;
    std::mt19937 rng(rd());
    std::uniform_int_distribution<int> when(150, 2500);
    int killed = 0;
    for (int k = 0; k < 3; ++k) {
        auto limit = std::chrono::milliseconds(when(rng));
        BOOST_TEST_MESSAGE("fail rate " << fail_rate << ": SIGKILL after " << limit.count() << " ms");
        auto r = f.run({"--concurrency", "8"}, limit);
        if (r.timed_out) ++killed;
        BOOST_TEST((r.timed_out || r.exit_code == 0 || r.exit_code == 3), r.exit_code << " " << r.err);
    }
    BOOST_TEST(killed >= 1, "no run was killed: the kill points fell after the end");

    akool_test::run_result last;
    for (int round = 0; round < 6; ++round) {
        last = f.run({"--concurrency", "8", "--json"});
        BOOST_TEST_REQUIRE(!last.timed_out);
        if (settled(f.journal(lines))) break;
    }
    std::vector<std::string> warnings;
    akool::batch_journal j = f.journal(lines, &warnings);
    BOOST_TEST_REQUIRE(settled(j), "lines still pending after 6 resumes: " << last.err);

    // No create processed twice, and every line that was sent at most once per body.
    auto st = f.stats();
    BOOST_TEST(st.at("max_creates_per_body").to_number<std::uint64_t>() == 1u);
    BOOST_TEST(st.at("creates_processed").to_number<std::uint64_t>() <= lines);

    std::size_t unknown = 0, images = 0;
    for (std::size_t n = 1; n <= lines; ++n) {
        const auto& l = j.at(n);
        if (l.state == akool::line_state::unknown) {
            ++unknown;
            BOOST_TEST(l.tasks.empty());
            BOOST_TEST(last.err.find("line " + std::to_string(n) + ": outcome unknown (may have been charged)") !=
                           std::string::npos,
                       "line " << n << " not reported: " << last.err);
            continue;
        }
        // Every image of every line that had a reply is saved, under its name.
        BOOST_TEST(l.tasks.size() == (n % 5 == 0 ? 2u : 1u));
        for (std::size_t k = 0; k < l.tasks.size(); ++k) {
            const auto& t = l.tasks[k];
            BOOST_TEST(t.saved);
            std::string expected = n % 5 == 0 ? "named_" + std::to_string(n) + "-" + std::to_string(k + 1) : t.id;
            BOOST_TEST(t.path == f.out + "/" + expected + ".png");
            BOOST_TEST(is_png(read_file(t.path)), t.path);
            ++images;
        }
    }
    BOOST_TEST_MESSAGE("fail rate " << fail_rate << ": " << killed << " kills, " << unknown << " lines unknown, "
                                    << images << " images; emulator " << boost::json::serialize(st.at("faults_injected")));
    // The final run says so in its exit code and its summary.
    BOOST_TEST(last.exit_code == (unknown == 0 ? 0 : 3), last.err);
    auto out_lines = akool_test::lines_of(last.out);
    BOOST_TEST_REQUIRE(!out_lines.empty());
    auto summary = boost::json::parse(out_lines.back()).as_object();
    BOOST_TEST(summary.at("event").as_string() == "summary");
    BOOST_TEST(summary.at("done").to_number<std::size_t>() == lines - unknown);
    BOOST_TEST(summary.at("unknown").to_number<std::size_t>() == unknown);

    // Once settled, running again sends nothing.
    auto before = f.creates();
    auto again = f.run({"--concurrency", "8"});
    BOOST_TEST(again.exit_code == (unknown == 0 ? 0 : 3));
    BOOST_TEST(f.creates() == before);
}

// ---- the journal ---------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_torn_last_journal_line_is_ignored_with_a_warning)
{
    fixture f;
    const std::string manifest = make_manifest(3);
    write_file(f.manifest, manifest);
    fs::create_directories(f.out);
    // A run that sent line 1 and died while writing the reply's entry.
    akool::batch_journal j(akool::manifest_digest(manifest), 3);
    std::string text = j.header();
    text += j.sending(1);
    text += "{\"line\":1,\"event\":\"created\",\"task_i";
    write_file(f.out + "/.akool-batch.jsonl", text);

    auto r = f.run({});
    BOOST_TEST(r.exit_code == 3, r.err);
    BOOST_TEST(r.err.find("warning: journal " + f.out + "/.akool-batch.jsonl: journal line 3 ignored") !=
                   std::string::npos,
               r.err);
    BOOST_TEST(r.err.find("line 1: outcome unknown (may have been charged)") != std::string::npos, r.err);
    BOOST_TEST(f.creates() == 2u, "line 1 is not sent again");
    std::vector<std::string> warnings;
    auto back = f.journal(3, &warnings);
    BOOST_TEST(warnings.empty(), "the torn bytes were cut before appending");
    BOOST_TEST((back.at(2).state == akool::line_state::done));
    BOOST_TEST((back.at(3).state == akool::line_state::done));

    // Asked to, it sends line 1 again.
    r = f.run({"--resend-unknown"});
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(f.creates() == 3u);
    BOOST_TEST(f.journal(3).at(1).sends == 2u);
}

BOOST_AUTO_TEST_CASE(lines_with_task_ids_are_waited_on_without_a_new_create)
{
    fixture f;
    const std::string manifest = make_manifest(2);
    write_file(f.manifest, manifest);
    // Create line 2 outside the tool, then hand the tool a journal that recorded it.
    auto r0 = akool_test::run_process(
        tool_path(), {"generate", "--prompt", "batch picture number 2", "--resolution", "1080p", "--no-wait"}, f.env(),
        "/dev/null", 30s);
    BOOST_TEST_REQUIRE(r0.exit_code == 0, r0.err);
    std::string id = r0.out.substr(5, r0.out.find(' ', 5) - 5);  // "task ID (1 of 1) queueing"
    fs::create_directories(f.out);
    akool::batch_journal j(akool::manifest_digest(manifest), 2);
    std::string text = j.header();
    text += j.sending(2);
    text += j.created(2, {id});
    write_file(f.out + "/.akool-batch.jsonl", text);

    auto r = f.run({"--json"});
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(f.creates() == 2u, "one create by hand, one for line 1");
    BOOST_TEST(is_png(read_file(f.out + "/" + id + ".png")));
}

// Task ids name files in one directory: an id that differs from another image's stem only in
// letter case (one file on macOS's and Windows's default file systems), or that equals a
// manifest name, is not written; its task is journaled as failed, and a rerun keeps it so.
BOOST_AUTO_TEST_CASE(a_task_id_that_names_another_images_file_is_not_written)
{
    fixture f;
    write_file(f.manifest, "{\"prompt\":\"one\",\"resolution\":\"1080p\"}\n"
                           "{\"prompt\":\"two\",\"resolution\":\"1080p\"}\n"
                           "{\"prompt\":\"three\",\"resolution\":\"1080p\"}\n"
                           "{\"prompt\":\"four\",\"resolution\":\"1080p\",\"name\":\"sunset\"}\n");
    f.srv.set_next_task_ids({"pic-a", "PIC-A", "Sunset", "line-4-task"});
    auto r = f.run({"--concurrency", "1"});
    BOOST_TEST(r.exit_code == 3, r.out << r.err);
    const std::vector<std::string> files = f.files();
    BOOST_TEST(files == (std::vector<std::string>{".akool-batch.jsonl", "pic-a.png", "sunset.png"}),
               boost::algorithm::join(files, " "));
    const std::string all = r.out + r.err;
    for (const char* part : {"line 2: task PIC-A: its id gives the file pic-a of line 1 (the same name but for letter case",
                             "line 3: task Sunset: its id gives the file sunset of line 4 (the same name but for letter case"})
        BOOST_TEST(all.find(part) != std::string::npos, "'" << part << "' not in " << all);
    auto j = f.journal(4);
    for (std::size_t n : {2u, 3u}) {
        BOOST_TEST((j.at(n).state == akool::line_state::failed));
        BOOST_TEST_REQUIRE(j.at(n).tasks.size() == 1u);
        BOOST_TEST(j.at(n).tasks[0].failed);
    }
    BOOST_TEST((j.at(1).state == akool::line_state::done));
    BOOST_TEST((j.at(4).state == akool::line_state::done));
    BOOST_TEST(f.creates() == 4u);

    // A rerun sends nothing, writes nothing, and reports the two lines again.
    r = f.run({"--concurrency", "1"});
    BOOST_TEST(r.exit_code == 3, r.out << r.err);
    BOOST_TEST(f.creates() == 4u);
    BOOST_TEST(!fs::exists(f.out + "/PIC-A.png"));
    BOOST_TEST(!fs::exists(f.out + "/Sunset.png"));
    BOOST_TEST((r.out + r.err).find("line 2: task PIC-A") != std::string::npos, r.out << r.err);
}

// A reply with fewer tasks than its line asked for (a broken service): a named line's images
// keep the names reserved for it (helper-15's audit: one task for batch_quantity 2 was saved
// as "cat", line 2's file, and both lines reported it saved). A reply with more is refused
// by the client's decoder (bad_response, outcome unknown).
BOOST_AUTO_TEST_CASE(a_reply_with_fewer_tasks_overwrites_nothing)
{
    fixture f;
    write_file(f.manifest,
               "{\"prompt\":\"two cats\",\"resolution\":\"1080p\",\"name\":\"cat\",\"batch_quantity\":2}\n"
               "{\"prompt\":\"one dog\",\"resolution\":\"1080p\",\"name\":\"cat\"}\n");
    f.srv.set_next_task_counts({1});
    auto r = f.run({"--concurrency", "1"});
    BOOST_TEST(r.exit_code == 0, r.out << r.err);
    const std::vector<std::string> files = f.files();
    BOOST_TEST(files == (std::vector<std::string>{".akool-batch.jsonl", "cat-1.png", "cat.png"}),
               boost::algorithm::join(files, " "));
    auto j = f.journal(2);
    BOOST_TEST((j.at(1).state == akool::line_state::done));
    BOOST_TEST((j.at(2).state == akool::line_state::done));
    BOOST_TEST_REQUIRE(j.at(1).tasks.size() == 1u);
    BOOST_TEST(j.at(1).tasks[0].path == f.out + "/cat-1.png");
    BOOST_TEST(j.at(2).tasks.at(0).path == f.out + "/cat.png");
    BOOST_TEST(f.creates() == 2u);
}

// A journal whose named line holds more tasks than the line asks for (written by another
// tool, or by hand): the task past the reserved names is failed, not saved as "fox-2", the
// next line's file.
BOOST_AUTO_TEST_CASE(a_journaled_task_past_a_lines_names_is_not_written)
{
    fixture f;
    const std::string manifest = "{\"prompt\":\"a fox\",\"resolution\":\"1080p\",\"name\":\"fox\"}\n"
                                 "{\"prompt\":\"another fox\",\"resolution\":\"1080p\",\"name\":\"fox-2\"}\n";
    write_file(f.manifest, manifest);
    f.srv.set_next_task_ids({"fox-task-1", "fox-task-2"});
    auto r0 = akool_test::run_process(tool_path(), {"generate", "--prompt", "a fox", "--resolution", "1080p", "--count",
                                                    "2", "--no-wait"},
                                      f.env(), "/dev/null", 30s);
    BOOST_TEST_REQUIRE(r0.exit_code == 0, r0.err);
    fs::create_directories(f.out);
    akool::batch_journal j(akool::manifest_digest(manifest), 2);
    std::string text = j.header();
    text += j.sending(1);
    text += j.created(1, {"fox-task-1", "fox-task-2"});
    write_file(f.out + "/.akool-batch.jsonl", text);

    auto r = f.run({"--concurrency", "1"});
    BOOST_TEST(r.exit_code == 3, r.out << r.err);
    BOOST_TEST((r.out + r.err).find("line 1: task fox-task-2: the reply holds more tasks than the 1 image(s) asked "
                                    "for") != std::string::npos,
               r.out << r.err);
    auto back = f.journal(2);
    BOOST_TEST(back.at(1).tasks.at(0).path == f.out + "/fox.png");
    BOOST_TEST(back.at(1).tasks.at(1).failed);
    BOOST_TEST(back.at(2).tasks.at(0).path == f.out + "/fox-2.png");
    BOOST_TEST((back.at(2).state == akool::line_state::done));
    BOOST_TEST(f.creates() == 2u, "one by hand, one by the batch");
}

// A journal written without that check: the saved image (line 2's) keeps its file, and the
// other task (line 1's, not saved) is failed before anything is waited on.
BOOST_AUTO_TEST_CASE(a_journaled_task_whose_id_names_a_saved_file_is_not_written)
{
    fixture f;
    const std::string manifest = make_manifest(2);
    write_file(f.manifest, manifest);
    f.srv.set_next_task_ids({"SAME-STEM", "same-stem"});
    for (const char* prompt : {"batch picture number 1", "batch picture number 2"}) {
        auto r0 = akool_test::run_process(tool_path(), {"generate", "--prompt", prompt, "--resolution", "1080p", "--no-wait"},
                                          f.env(), "/dev/null", 30s);
        BOOST_TEST_REQUIRE(r0.exit_code == 0, r0.err);
    }
    fs::create_directories(f.out);
    write_file(f.out + "/same-stem.png", "saved by an earlier run");
    akool::batch_journal j(akool::manifest_digest(manifest), 2);
    std::string text = j.header();
    text += j.sending(1) + j.sending(2);
    text += j.created(1, {"SAME-STEM"}) + j.created(2, {"same-stem"});
    text += j.saved(2, "same-stem", f.out + "/same-stem.png");
    write_file(f.out + "/.akool-batch.jsonl", text);

    auto r = f.run({});
    BOOST_TEST(r.exit_code == 3, r.out << r.err);
    BOOST_TEST(read_file(f.out + "/same-stem.png") == "saved by an earlier run");
    BOOST_TEST(!fs::exists(f.out + "/SAME-STEM.png"));
    BOOST_TEST((r.out + r.err).find("line 1: task SAME-STEM: its id gives the file same-stem of line 2") !=
                   std::string::npos,
               r.out << r.err);
    BOOST_TEST(f.creates() == 2u, "the two by hand, none by the batch");
    BOOST_TEST(f.journal(2).at(1).tasks.at(0).failed);
}

BOOST_AUTO_TEST_CASE(another_manifests_journal_is_refused)
{
    fixture f;
    write_file(f.manifest, make_manifest(2));
    BOOST_TEST_REQUIRE(f.run({}).exit_code == 0);
    write_file(f.manifest, make_manifest(3));
    auto before = f.creates();
    auto r = f.run({});
    BOOST_TEST(r.exit_code == 2);
    BOOST_TEST(r.err.find("another manifest") != std::string::npos, r.err);
    BOOST_TEST(f.creates() == before);
}

// ---- the journal's own failures ------------------------------------------------------------

// The journal is locked (flock) for the run: a second batch on it sends nothing, says why and
// exits 1; once the first is gone the same journal runs.
BOOST_AUTO_TEST_CASE(a_journal_in_use_by_another_batch_is_refused_with_nothing_sent)
{
    fixture f;
    write_file(f.manifest, make_manifest(2));
    const std::string journal = f.dir + "/journal.jsonl";
    const int fd = ::open(journal.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    BOOST_TEST_REQUIRE(fd >= 0);
    BOOST_TEST_REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);  // as a running batch holds it
    auto r = f.run({"--journal", journal});
    BOOST_TEST(r.exit_code == 1, r.err);
    BOOST_TEST(r.err.find("the journal " + journal + " is in use by another akool-image batch") != std::string::npos,
               r.err);
    BOOST_TEST(f.creates() == 0u);
    BOOST_TEST(read_file(journal).empty(), "the journal was written");
    ::close(fd);
    r = f.run({"--journal", journal});
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(f.creates() == 2u);
}

// Each create is on disk before a byte of it is sent: when the journal cannot be written (no
// room: here a file size limit of 0, `ulimit -f 0`, with SIGXFSZ ignored as a full disk gives
// ENOSPC), the batch stops with the journal's words and exit 1, and nothing was sent; the
// journal is as it was, and the next run sends each line once.
BOOST_AUTO_TEST_CASE(a_journal_that_cannot_be_written_stops_the_batch_before_a_create_is_sent)
{
    fixture f;
    const std::string manifest_text = make_manifest(3);
    write_file(f.manifest, manifest_text);
    const std::string journal = f.dir + "/journal.jsonl";
    {
        akool::journal_replay_report report;
        akool::error_code ec;
        std::string message;
        auto j = akool::batch_journal::replay("", akool::manifest_digest(manifest_text), 3, report, ec, message);
        BOOST_TEST_REQUIRE(!ec, message);
        write_file(journal, j.header());  // a journal begun: the next entry is the first create's
    }
    const std::string before = read_file(journal);
    auto r = akool_test::run_process("/bin/sh",
                                     {"-c", "ulimit -f 0 && trap '' XFSZ && exec \"$0\" \"$@\"", tool_path(), "batch",
                                      f.manifest, "--out", f.out, "--journal", journal},
                                     f.env(), "/dev/null", 60s);
    BOOST_TEST(r.exit_code == 1, r.err);
    BOOST_TEST(r.err.find("cannot write the journal " + journal + ": File too large") != std::string::npos, r.err);
    BOOST_TEST(r.err.find(api_key) == std::string::npos);
    BOOST_TEST(f.creates() == 0u, "a create was sent before its journal entry was on disk");
    BOOST_TEST(read_file(journal) == before);
    r = f.run({"--journal", journal});
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(f.creates() == 3u);
    BOOST_TEST(f.stats().at("max_creates_per_body").to_number<std::uint64_t>() == 1u);
}

// A journal path that names a FIFO, a directory (or a device) is refused at once, exit 2:
// reading a FIFO would block for ever (a device such as /dev/zero fill memory without end).
BOOST_AUTO_TEST_CASE(a_journal_that_is_not_a_regular_file_is_refused)
{
    fixture f;
    write_file(f.manifest, make_manifest(1));
    const std::string fifo = f.dir + "/journal.fifo", directory = f.dir + "/journal.d";
    BOOST_TEST_REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
    BOOST_TEST_REQUIRE(fs::create_directory(directory));
    for (const std::string& journal : {fifo, directory}) {
        auto r = f.run({"--journal", journal}, 20s);
        BOOST_TEST(!r.timed_out, "the batch hung on " << journal);
        BOOST_TEST(r.exit_code == 2, r.err);
        BOOST_TEST(r.err.find("the journal " + journal + " is not a regular file") != std::string::npos, r.err);
    }
    BOOST_TEST(f.creates() == 0u);
}

// ---- refusals before anything is sent ------------------------------------------------------

BOOST_AUTO_TEST_CASE(an_invalid_manifest_exits_2_naming_each_line_and_field)
{
    fixture f;
    write_file(f.manifest, "{\"prompt\":\"fine\",\"name\":\"a\"}\n"
                           "{\"prompt\":\"x\",\"scale\":\"5:4\"}\n"
                           "\n"
                           "{\"prompt\":\"y\",\"name\":\"../../etc/x\"}\n"
                           "not json\n"
                           "{\"prompt\":\"z\",\"name\":\"a\"}\n"
                           "{\"prompt\":\"\",\"batch_quantity\":9}\n"
                           "{\"prompt\":\"w\",\"name\":\"A\"}\n"
                           "{\"prompt\":\"v\",\"name\":\"Nul\"}\n");
    auto r = f.run({});
    BOOST_TEST(r.exit_code == 2);
    for (const char* part : {"line 2: scale", "line 4: name", "line 5: ", "line 6: name: 'a' gives the file a of line 1",
                             "line 7: prompt", "batch_quantity",
                             "line 8: name: 'A' gives the file a of line 1 (the same name but for letter case",
                             "line 9: name: must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -, other than a "
                             "Windows device name"})
        BOOST_TEST(r.err.find(part) != std::string::npos, "'" << part << "' not in " << r.err);
    BOOST_TEST(r.err.find("line 1:") == std::string::npos, r.err);
    auto by_path = f.stats().at("requests_by_path").as_object();
    BOOST_TEST(by_path.size() == 1u, "nothing sent but this stats request: " << boost::json::serialize(by_path));
    BOOST_TEST(!fs::exists(f.out), "no output directory, no journal");
}

BOOST_AUTO_TEST_CASE(options_are_checked)
{
    fixture f;
    write_file(f.manifest, make_manifest(1));
    for (std::vector<std::string> bad : {std::vector<std::string>{"--concurrency", "0"}, {"--concurrency", "x"},
                                         {"--max-retry-after", "1.5"}, {"--max-retry-after", "-1"},
                                         {"--bogus"}, {"second-manifest"}}) {
        auto r = f.run(bad);
        BOOST_TEST(r.exit_code == 2, bad[0] << ": " << r.err);
    }
    auto r = akool_test::run_process(tool_path(), {"batch", f.manifest}, f.env(), "/dev/null", 10s);
    BOOST_TEST(r.exit_code == 2);
    BOOST_TEST(r.err.find("--out") != std::string::npos, r.err);
}

// An option where a value belongs is not the value: `--out --json` once ran the batch into a
// directory named "--json" (relative, so in the working directory, inherited by the tool).
BOOST_AUTO_TEST_CASE(an_option_is_not_a_value)
{
    fixture f;
    write_file(f.manifest, make_manifest(1));
    for (std::vector<std::string> args : {std::vector<std::string>{"batch", f.manifest, "--out", "--json"},
                                          {"batch", f.manifest, "--out", f.out, "--journal", "--resend-unknown"}}) {
        const std::string swallowed = args.back();
        auto r = akool_test::run_process(tool_path(), args, f.env(), "/dev/null", 60s);
        BOOST_TEST(r.exit_code == 2, swallowed << ": " << r.err);
        BOOST_TEST(r.err.find(args[args.size() - 2] + " needs a value") != std::string::npos, r.err);
        BOOST_TEST(!fs::exists(swallowed), swallowed << " created in " << fs::current_path());
        std::error_code ec;
        fs::remove_all(swallowed, ec);  // what a failure left
    }
    BOOST_TEST(f.creates() == 0u);
    BOOST_TEST(!fs::exists(f.out), "no output directory, no journal");
}

// batch --help lists every exit code, the signals' too (README's batch exit codes).
BOOST_AUTO_TEST_CASE(help_lists_every_exit_code)
{
    auto r = akool_test::run_process(tool_path(), {"batch", "--help"}, {}, "/dev/null", 10s);
    BOOST_TEST(r.exit_code == 0, r.err);
    for (const char* part : {"exit codes: 0 ", "; 3 ", "; 2 ", "; 4 ", "; 1 ", "; 130 or 143 "})
        BOOST_TEST(r.out.find(part) != std::string::npos, "'" << part << "' not in " << r.out);
}

// --max-retry-after, as generate's: with 1, a 429 asking for 2 s fails its line at once, and
// the line stays sendable (a 429 creates nothing); without it, the same 429 is waited for.
BOOST_AUTO_TEST_CASE(max_retry_after_bounds_the_wait_for_a_retry_after)
{
    fixture f;
    write_file(f.manifest, make_manifest(1));
    emu::fault_plan plan = fixture::make_options(0).faults;
    plan.envelope_http_errors = true;
    plan.retry_after = 2s;
    f.srv.set_faults(plan);
    f.srv.fail_next(emu::fault_kind::http_429, 1, std::string(emu::paths::create));
    auto start = std::chrono::steady_clock::now();
    auto r = f.run({"--max-retry-after", "1"});
    BOOST_TEST((std::chrono::steady_clock::now() - start < 1800ms), "not slept on");
    BOOST_TEST(r.exit_code == 4, r.err);
    BOOST_TEST(r.err.find("line 1:") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("Retry-After") != std::string::npos, r.err);
    BOOST_TEST(f.creates() == 0u);
    BOOST_TEST((f.journal(1).next(1, false) == akool::line_action::create), "nothing created: safe to send");

    f.srv.fail_next(emu::fault_kind::http_429, 1, std::string(emu::paths::create));
    start = std::chrono::steady_clock::now();
    r = f.run({});
    BOOST_TEST((std::chrono::steady_clock::now() - start >= 1900ms), "the Retry-After was waited for");
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(f.creates() == 1u);
}

BOOST_AUTO_TEST_CASE(a_dead_service_exits_4_and_the_lines_stay_sendable)
{
    fixture f;
    write_file(f.manifest, make_manifest(2));
    auto env = f.env();
    {
        emu::server gone(fixture::make_options(0));
        gone.start();
        env["AKOOL_BASE_URL"] = gone.base_url();
    }  // stopped: its port refuses connections
    auto r = akool_test::run_process(tool_path(), {"batch", f.manifest, "--out", f.out}, env, "/dev/null", 60s);
    BOOST_TEST(r.exit_code == 4, r.err);
    BOOST_TEST(r.err.find("line 1:") != std::string::npos, r.err);
    auto j = f.journal(2);
    BOOST_TEST((j.next(1, false) == akool::line_action::create), "refused before sending: safe to send again");
    // The service back: the same journal finishes the job.
    auto r2 = f.run({});
    BOOST_TEST(r2.exit_code == 0, r2.err);
    BOOST_TEST(f.creates() == 2u);
}
