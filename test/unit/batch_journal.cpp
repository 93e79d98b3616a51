// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// The batch journal without sockets or files: entries written by one run and read back by the
// next give the same line states; the resume decisions (skip, wait without a new create,
// report an unknown outcome, resend only when asked); a torn last line dropped with a warning;
// another manifest's journal, corruption before the last line and impossible histories refused.
#define BOOST_TEST_MODULE batch_journal
#include <boost/test/unit_test.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <akool/batch_journal.hpp>

#include <boost/system/errc.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace bdata = boost::unit_test::data;
using akool::batch_journal;
using akool::journal_error;
using akool::line_action;
using akool::line_state;

namespace akool {
inline std::ostream& operator<<(std::ostream& os, line_state s) { return os << to_string(s); }
inline std::ostream& operator<<(std::ostream& os, line_action a) { return os << static_cast<int>(a); }
} // namespace akool

namespace {

const std::string manifest = "{\"prompt\":\"a\"}\n{\"prompt\":\"b\"}\n{\"prompt\":\"c\"}\n{\"prompt\":\"d\"}\n";

batch_journal replay(const std::string& text, akool::journal_replay_report& report, akool::error_code& ec,
                     std::string& message, std::size_t lines = 4, std::string digest = akool::manifest_digest(manifest))
{
    return batch_journal::replay(text, std::move(digest), lines, report, ec, message);
}

batch_journal replay_ok(const std::string& text, akool::journal_replay_report& report)
{
    akool::error_code ec;
    std::string message;
    batch_journal j = replay(text, report, ec, message);
    BOOST_TEST_REQUIRE(!ec, message);
    return j;
}

// A journal of a run that stopped in every state: line 1 done, 2 created with one of two
// images saved, 3 sent without reply, 4 never sent.
std::string mixed_history()
{
    batch_journal j(akool::manifest_digest(manifest), 4);
    std::string text = j.header();
    text += j.sending(1);
    text += j.created(1, {"t1"});
    text += j.saved(1, "t1", "out/one.png");
    text += j.sending(2);
    text += j.created(2, {"t2a", "t2b"});
    text += j.saved(2, "t2a", "out/two-1.png");
    text += j.sending(3);
    return text;
}

} // namespace

BOOST_AUTO_TEST_CASE(a_replayed_journal_has_the_states_of_the_run_that_wrote_it)
{
    akool::journal_replay_report report;
    batch_journal j = replay_ok(mixed_history(), report);
    BOOST_TEST(report.warnings.empty());
    BOOST_TEST(report.entries == 7u);
    BOOST_TEST(report.valid_bytes == mixed_history().size());
    BOOST_TEST(!report.missing_newline);
    BOOST_TEST(j.at(1).state == line_state::done);
    BOOST_TEST(j.at(1).tasks.at(0).path == "out/one.png");
    BOOST_TEST(j.at(2).state == line_state::created);
    BOOST_TEST(j.at(3).state == line_state::unknown);
    BOOST_TEST(j.at(3).sends == 1u);
    BOOST_TEST(j.at(4).state == line_state::pending);
    // The throwing form returns the same journal.
    akool::journal_replay_report again;
    batch_journal k = batch_journal::replay(mixed_history(), akool::manifest_digest(manifest), 4, again);
    BOOST_TEST(again.entries == 7u);
    BOOST_TEST(k.at(2).state == line_state::created);
    BOOST_TEST(k.at(3).state == line_state::unknown);
}

BOOST_AUTO_TEST_CASE(resume_decisions)
{
    akool::journal_replay_report report;
    batch_journal j = replay_ok(mixed_history(), report);
    // Finished lines are skipped.
    BOOST_TEST(j.next(1, false) == line_action::none);
    // Lines with task ids are waited on, without a new create, and only the unsaved tasks.
    BOOST_TEST(j.next(2, false) == line_action::wait);
    BOOST_TEST(j.next(2, true) == line_action::wait, "--resend-unknown never re-creates a line with tasks");
    BOOST_TEST(j.pending_tasks(2) == std::vector<std::string>{"t2b"});
    // A create sent without a recorded reply is reported, not resent, unless asked.
    BOOST_TEST(j.next(3, false) == line_action::report_unknown);
    BOOST_TEST(j.next(3, true) == line_action::create);
    BOOST_TEST(j.next(4, false) == line_action::create);
    BOOST_TEST(j.next(0, false) == line_action::none);
    BOOST_TEST(j.next(5, false) == line_action::none);
}

BOOST_AUTO_TEST_CASE(create_failures_keep_what_may_have_been_charged)
{
    batch_journal j("d", 2);
    BOOST_TEST(!j.sending(1).empty());
    BOOST_TEST(!j.create_failed(1, "HTTP 429 after 3 retries", false).empty());
    BOOST_TEST(j.at(1).state == line_state::pending, "refused before processing: safe to send again");
    BOOST_TEST(j.next(1, false) == line_action::create);
    BOOST_TEST(!j.sending(2).empty());
    BOOST_TEST(!j.create_failed(2, "connection closed after sending", true).empty());
    BOOST_TEST(j.at(2).state == line_state::unknown);
    BOOST_TEST(j.at(2).reason == "connection closed after sending");
    BOOST_TEST(j.next(2, false) == line_action::report_unknown);
    // A resend is recorded like any create.
    BOOST_TEST(!j.sending(2).empty());
    BOOST_TEST(j.at(2).sends == 2u);
}

BOOST_AUTO_TEST_CASE(a_failed_task_ends_its_line_once_the_others_are_saved)
{
    batch_journal j("d", 1);
    j.sending(1);
    j.created(1, {"a", "b"});
    j.task_failed(1, "a", "generation failed (status 4)");
    BOOST_TEST(j.at(1).state == line_state::created);
    BOOST_TEST(j.pending_tasks(1) == std::vector<std::string>{"b"});
    j.saved(1, "b", "b.png");
    BOOST_TEST(j.at(1).state == line_state::failed);
    BOOST_TEST(j.next(1, true) == line_action::none, "a failed generation was charged: never re-created");
}

BOOST_AUTO_TEST_CASE(impossible_entries_change_nothing_and_write_nothing)
{
    batch_journal j("d", 2);
    BOOST_TEST(j.created(1, {"a"}).empty(), "a reply without a create sent");
    BOOST_TEST(j.saved(1, "a", "a.png").empty());
    BOOST_TEST(j.sending(3).empty(), "a line outside the manifest");
    BOOST_TEST(j.sending(0).empty());
    j.sending(1);
    BOOST_TEST(j.created(1, {}).empty(), "no task ids");
    BOOST_TEST(j.created(1, {"../etc/passwd"}).empty(), "a task id that cannot be a file name");
    BOOST_TEST(j.at(1).state == line_state::unknown);
    // A reply refused for its second id records none of them (helper-15's audit: the valid
    // ones before it became the line's tasks).
    BOOST_TEST(j.created(1, {"b", "../x"}).empty());
    BOOST_TEST(j.at(1).tasks.empty());
    BOOST_TEST(j.pending_tasks(1).empty());
    BOOST_TEST(j.at(1).state == line_state::unknown);
    j.created(1, {"a"});
    BOOST_TEST(j.saved(1, "zz", "zz.png").empty(), "a task the line did not create");
    BOOST_TEST(j.sending(1).empty(), "a second create of a line with tasks");
    BOOST_TEST(j.at(1).state == line_state::created);
}

BOOST_AUTO_TEST_CASE(entries_round_trip_every_field)
{
    batch_journal j("d", 1);
    // One statement per entry: the operands of + are not sequenced.
    std::string text = j.header();
    text += j.sending(1);
    text += j.create_failed(1, "quote \" and \n newline", true);
    text += j.sending(1);
    text += j.created(1, {"x_1", "y-2"});
    text += j.saved(1, "x_1", "dir/\xc3\xa9t\xc3\xa9.png");
    text += j.task_failed(1, "y-2", "status 4");
    akool::journal_replay_report report;
    akool::error_code ec;
    std::string message;
    batch_journal back = batch_journal::replay(text, "d", 1, report, ec, message);
    BOOST_TEST_REQUIRE(!ec, message);
    BOOST_TEST(back.at(1).sends == 2u);
    BOOST_TEST(back.at(1).state == line_state::failed);
    BOOST_TEST(back.at(1).tasks.at(0).path == "dir/\xc3\xa9t\xc3\xa9.png");
    BOOST_TEST(back.at(1).tasks.at(1).reason == "status 4");
    // A path of bytes that are no UTF-8 (a Latin-1 directory name) reads back too (helper-15's
    // audit: the journal was refused as corrupt).
    batch_journal k("d", 1);
    std::string latin1 = k.header();
    latin1 += k.sending(1);
    latin1 += k.created(1, {"t", "u"});
    latin1 += k.saved(1, "t", "out-caf\xe9/t.png");
    latin1 += k.saved(1, "u", "out-caf\xe9/u.png");  // not the last line: not taken for a torn write
    latin1 += k.task_failed(1, "u", "later");
    batch_journal latin1_back = batch_journal::replay(latin1, "d", 1, report, ec, message);
    BOOST_TEST_REQUIRE(!ec, message);
    BOOST_TEST(latin1_back.at(1).tasks.at(0).path == "out-caf\xe9/t.png");
    BOOST_TEST(latin1_back.at(1).state == line_state::done);
    BOOST_TEST(back.at(1).tasks.at(1).reason == "status 4");
    // Every entry is exactly one line.
    std::size_t newlines = 0;
    for (char c : text) newlines += c == '\n';
    BOOST_TEST(newlines == 7u);
}

// The last write cut at every byte: the journal is still read, the torn entry dropped with a
// warning, and the usable prefix ends where that entry began.
BOOST_AUTO_TEST_CASE(a_torn_last_line_is_dropped_with_a_warning)
{
    const std::string full = mixed_history();
    const std::string last = batch_journal(akool::manifest_digest(manifest), 4).sending(4);
    const std::string whole = full + last;
    for (std::size_t cut = 1; cut < last.size() - 1; ++cut) {
        std::string text = full + last.substr(0, cut);
        akool::journal_replay_report report;
        batch_journal j = replay_ok(text, report);
        BOOST_TEST(report.warnings.size() == 1u, "cut at " << cut);
        if (!report.warnings.empty())
            BOOST_TEST(report.warnings[0].find("journal line 9 ignored") != std::string::npos, report.warnings[0]);
        BOOST_TEST(report.valid_bytes == full.size());
        BOOST_TEST(j.at(4).state == line_state::pending, "the torn 'sending' was never followed by a send");
        BOOST_TEST(j.at(3).state == line_state::unknown);
    }
    // The whole entry without its newline is kept, and the caller is told to add one.
    akool::journal_replay_report report;
    batch_journal j = replay_ok(whole.substr(0, whole.size() - 1), report);
    BOOST_TEST(report.warnings.empty());
    BOOST_TEST(report.missing_newline);
    BOOST_TEST(j.at(4).state == line_state::unknown);
    // A garbled but terminated last line is dropped too.
    j = replay_ok(full + "{\"line\":4,\"ev\x01\n", report);
    BOOST_TEST(report.warnings.size() == 1u);
    BOOST_TEST(report.valid_bytes == full.size());
}

BOOST_AUTO_TEST_CASE(an_empty_or_torn_header_is_a_fresh_journal)
{
    akool::journal_replay_report report;
    batch_journal j = replay_ok("", report);
    BOOST_TEST(report.warnings.empty());
    BOOST_TEST(report.valid_bytes == 0u);
    BOOST_TEST(j.next(1, false) == line_action::create);
    j = replay_ok("{\"akool_batch_jour", report);
    BOOST_TEST(report.warnings.size() == 1u);
    BOOST_TEST(report.valid_bytes == 0u);
}

struct refusal {
    std::string name;
    std::string text;
    journal_error expected;
    std::string in_message;
};

std::ostream& operator<<(std::ostream& os, const refusal& r) { return os << r.name; }

const std::vector<refusal> refusals = [] {
    const std::string digest = akool::manifest_digest(manifest);
    batch_journal j(digest, 4);
    std::string header = j.header();
    std::string good = j.sending(1);
    std::vector<refusal> v;
    v.push_back({"another manifest", batch_journal(akool::manifest_digest("other\n"), 4).header() + good,
                 journal_error::other_manifest, "journal line 1"});
    v.push_back({"another line count", batch_journal(digest, 5).header(), journal_error::other_manifest, "digest"});
    v.push_back({"not a journal", "{\"prompt\":\"a\"}\n", journal_error::bad_header, "journal line 1"});
    v.push_back({"future version", "{\"akool_batch_journal\":2,\"manifest\":\"" + digest + "\",\"lines\":4}\n",
                 journal_error::bad_header, "version 1"});
    v.push_back({"corrupt middle line", header + "garbage\n" + good, journal_error::corrupt_entry, "journal line 2"});
    v.push_back({"line outside the manifest", header + "{\"line\":9,\"event\":\"sending\"}\n" + good,
                 journal_error::line_out_of_range, "manifest line 9 of 4"});
    v.push_back({"reply without create",
                 header + "{\"line\":2,\"event\":\"created\",\"task_ids\":[\"a\"]}\n" + good,
                 journal_error::out_of_order, "journal line 2"});
    v.push_back({"hostile task id",
                 header + good + "{\"line\":1,\"event\":\"created\",\"task_ids\":[\"../../x\"]}\n" + good,
                 journal_error::out_of_order, "a task id that is not 1 to 64 characters of A-Z, a-z, 0-9, _ and -"});
    v.push_back({"a Windows device as a task id",
                 header + good + "{\"line\":1,\"event\":\"created\",\"task_ids\":[\"t1\",\"Aux\"]}\n" + good,
                 journal_error::out_of_order, "other than a Windows device name"});
    v.push_back({"a task id twice",
                 header + good + "{\"line\":1,\"event\":\"created\",\"task_ids\":[\"a\",\"b\",\"a\"]}\n" + good,
                 journal_error::out_of_order, "the task id \"a\" twice"});
    // A header's manifest is file content: quoted printable and cut in the message.
    v.push_back({"another manifest, hostile",
                 "{\"akool_batch_journal\":1,\"manifest\":\"\\u001b]0;x\\u0007" + std::string(5000, 'x') +
                     "\",\"lines\":4}\n",
                 journal_error::other_manifest, "(digest \"\\x1b]0;x\\x07xxx"});
    return v;
}();

BOOST_AUTO_TEST_CASE(a_refused_manifest_digest_is_quoted_and_cut)
{
    const std::string text = "{\"akool_batch_journal\":1,\"manifest\":\"\\u001b[2J\\r" + std::string(1 << 16, 'x') +
                             "\",\"lines\":4}\n";
    akool::journal_replay_report report;
    akool::error_code ec;
    std::string message;
    replay(text, report, ec, message);
    BOOST_TEST(ec == akool::make_error_code(journal_error::other_manifest), ec.message());
    BOOST_TEST(message.size() < 300u, message);
    BOOST_TEST(message.find('\x1b') == std::string::npos, message);
    BOOST_TEST(message.find('\r') == std::string::npos, message);
}

BOOST_AUTO_TEST_CASE(a_create_with_a_repeated_task_id_is_not_recorded)
{
    batch_journal j(akool::manifest_digest(manifest), 4);
    BOOST_TEST(!j.sending(1).empty());
    BOOST_TEST(j.created(1, {"t1", "t1"}).empty(), "the event is refused");
    BOOST_TEST((j.at(1).state == akool::line_state::unknown), "sent, no usable reply");
    BOOST_TEST(!j.created(1, {"t1", "t2"}).empty());
    BOOST_TEST((j.at(1).state == akool::line_state::created));
}

BOOST_DATA_TEST_CASE(refused_journals, bdata::make(refusals), r)
{
    akool::journal_replay_report report;
    akool::error_code ec;
    std::string message;
    replay(r.text, report, ec, message);
    BOOST_TEST(ec == akool::make_error_code(r.expected), ec.message());
    BOOST_TEST(message.find(r.in_message) != std::string::npos, message);
    BOOST_TEST(ec.category().name() == std::string("akool.batch_journal"));
    BOOST_TEST(!ec.message().empty());

    // The diagnostics form and the throwing one report the same.
    akool::diagnostics diag;
    diag.server_message = "left from an earlier call";
    akool::error_code ec2;
    batch_journal::replay(r.text, akool::manifest_digest(manifest), 4, report, ec2, diag);
    BOOST_TEST(ec2 == ec);
    BOOST_TEST(diag.client_message == message);
    BOOST_TEST(diag.server_message.empty());
    try {
        batch_journal::replay(r.text, akool::manifest_digest(manifest), 4, report);
        BOOST_FAIL("a refused journal did not throw");
    } catch (const akool::error_with_diagnostics& e) {
        BOOST_TEST(e.code() == ec);
        BOOST_TEST(e.get_diagnostics().client_message == message);
    }
}

BOOST_AUTO_TEST_CASE(the_digest_tells_manifests_apart)
{
    BOOST_TEST(akool::manifest_digest(manifest).size() == 16u);
    BOOST_TEST(akool::manifest_digest(manifest) == akool::manifest_digest(std::string(manifest)));
    BOOST_TEST(akool::manifest_digest(manifest) != akool::manifest_digest(manifest + "\n"));
    BOOST_TEST(akool::manifest_digest("") == "cbf29ce484222325");
}

BOOST_AUTO_TEST_CASE(safe_file_stems)
{
    BOOST_TEST(akool::is_safe_file_stem("a"));
    BOOST_TEST(akool::is_safe_file_stem("Task_01-x"));
    BOOST_TEST(akool::is_safe_file_stem(std::string(64, 'z')));
    BOOST_TEST(!akool::is_safe_file_stem(std::string(65, 'z')));
    BOOST_TEST(!akool::is_safe_file_stem(""));
    for (const char* bad : {"..", "a/b", "a\\b", "a.png", "a b", "\xc3\xa9", "a\n", ".", "nul", "COM1", "Lpt0"})
        BOOST_TEST(!akool::is_safe_file_stem(bad), bad);
}

struct create_failure {
    std::string name;
    akool::error_code ec;
    int http_status;
    bool processed_maybe;
};

std::ostream& operator<<(std::ostream& os, const create_failure& c) { return os << c.name; }

const std::vector<create_failure> create_failures = {
    {"validation", akool::error::validation_failed, 0, false},
    {"not sent", akool::error::request_not_sent, 0, false},
    {"connection refused", make_error_code(boost::system::errc::connection_refused), 0, false},
    {"API code 1003", akool::error::api_parameter_error, 200, false},
    {"API code 1108", akool::error::api_generation_error, 200, false},
    {"API code 1234", akool::make_api_error(1234), 200, false},
    {"HTTP 401", akool::error::http_status, 401, false},
    {"HTTP 429", akool::error::http_status, 429, false},
    {"HTTP 503", akool::error::http_status, 503, false},
    {"HTTP 500", akool::error::http_status, 500, true},
    {"HTTP 502", akool::error::http_status, 502, true},
    {"HTTP 504", akool::error::http_status, 504, true},
    {"no reply after sending", akool::error::outcome_unknown, 0, true},
    {"timeout", akool::error::timeout, 0, true},
    {"garbled reply", akool::error::bad_response, 200, true},
    {"connection reset", make_error_code(boost::system::errc::connection_reset), 0, true},
    // An enveloped reply other than 200: its HTTP status decides, not the API code it carries.
    {"HTTP 500 with an envelope", akool::make_api_error(1429), 500, true},
    {"HTTP 502 with code 1108", akool::error::api_generation_error, 502, true},
    {"HTTP 429 with an envelope", akool::make_api_error(1429), 429, false},
    {"API code 1005", akool::error::api_frequent_operation, 200, false},
    {"cancelled after initiation", make_error_code(boost::system::errc::operation_canceled), 0, true},
    // Refused before any byte left (helper-28: both counted as maybe processed).
    {"proxy refused the tunnel", akool::error::proxy_refused, 0, false},
    {"address not allowed", akool::error::address_not_allowed, 0, false},
    {"local setup error (a CA file)", make_error_code(boost::system::errc::invalid_argument), 0, false},
};

// Which failed creates leave a line of unknown outcome (never resent unless asked) and which
// leave it to be sent again.
BOOST_DATA_TEST_CASE(failed_creates_that_may_have_been_charged, bdata::make(create_failures), c)
{
    akool::diagnostics diag;
    diag.http_status = c.http_status;
    BOOST_TEST(akool::create_may_have_been_processed(c.ec, diag) == c.processed_maybe);
}
