// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// akool-image as a child process against the emulator (in-process, over http and https) and a
// scripted server: the generated files, the documented dry-run bodies, every exit code with its
// cause, nothing sent on invalid input, no partial file on failure, no API key in any output.
// The cases labelled "slow" (retry backoffs, several generations) run as their own ctest/meson
// test, integration.cli.slow, beside the others (integration.cli): see test/CMakeLists.txt.

#define BOOST_TEST_MODULE cli
#include <boost/test/unit_test.hpp>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include "../../example/emulator/emulator.hpp"
#include "forward_proxy.hpp"
#include "mini_server.hpp"
#include "run_process.hpp"
#include "temp_dir.hpp"
#include "test_certs.hpp"

#include <akool/json.hpp>
#include <akool/model.hpp>

#include <boost/asio/buffers_iterator.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>


namespace bdata = boost::unit_test::data;
namespace emu = akool_emulator;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string api_key = "cli-secret-key-4f9a7e2b";

using akool_test::lines_of;
using akool_test::run_result;

std::string tool_path() { return std::string(AKOOL_BIN_DIR) + "/akool-image"; }

/// Runs akool-image with `args` and exactly the AKOOL_* variables in `env` (the inherited ones
/// are dropped), capturing stdout, stderr and the exit code. Killed after `limit`.
run_result run_tool(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                    std::chrono::seconds limit = 60s)
{
    auto full_env = env;
    full_env.emplace("AKOOL_BIN_DIR", AKOOL_BIN_DIR);
    run_result r = akool_test::run_process(tool_path(), args, full_env, "/dev/null", limit);
    BOOST_TEST(!r.timed_out, "akool-image did not finish within " << limit.count() << " s");
    // Whatever happened, the key never shows.
    BOOST_TEST(r.out.find(api_key) == std::string::npos, "API key on stdout: " << r.out);
    BOOST_TEST(r.err.find(api_key) == std::string::npos, "API key on stderr: " << r.err);
    return r;
}

/// The failure reason: exactly one line on stderr, naming the tool.
void check_one_line_reason(const run_result& r, const std::string& must_contain)
{
    auto lines = lines_of(r.err);
    BOOST_TEST_REQUIRE(lines.size() == 1u, "stderr is not one line: " << r.err);
    BOOST_TEST(lines[0].rfind("akool-image: ", 0) == 0u, lines[0]);
    BOOST_TEST(lines[0].find(must_contain) != std::string::npos, "'" << must_contain << "' not in: " << lines[0]);
}

std::vector<boost::json::object> json_lines(const std::string& text)
{
    std::vector<boost::json::object> out;
    for (const auto& l : lines_of(text)) {
        boost::json::error_code ec;
        auto v = boost::json::parse(l, ec);
        BOOST_TEST_REQUIRE(!ec, "not JSON: " << l);
        BOOST_TEST_REQUIRE(v.is_object(), "not an object: " << l);
        out.push_back(v.get_object());
    }
    return out;
}

std::string str(const boost::json::object& o, const char* key)
{
    auto it = o.find(key);
    return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

std::string read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::string> files_in(const std::string& dir)
{
    std::vector<std::string> out;
    std::error_code ec;
    if (!fs::exists(dir, ec)) return out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().string());
    return out;
}

bool is_png(const std::string& bytes) { return bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0; }

std::pair<std::uint32_t, std::uint32_t> png_size(const std::string& bytes)
{
    auto be32 = [&](std::size_t at) {
        return (std::uint32_t(std::uint8_t(bytes[at])) << 24) | (std::uint32_t(std::uint8_t(bytes[at + 1])) << 16) |
               (std::uint32_t(std::uint8_t(bytes[at + 2])) << 8) | std::uint32_t(std::uint8_t(bytes[at + 3]));
    };
    if (bytes.size() < 24) return {0, 0};
    return {be32(16), be32(20)};
}

const akool_test::test_pki& pki() { return akool_test::shared_test_pki("akool-cli-pki-"); }

/// An emulator with a required API key and short timings, over http or https.
struct emulator {
    emu::server srv;
    akool_test::temp_dir out{"akool-cli-out-"};
    const std::string out_dir = out.path();

    static emu::options make_options(bool tls, unsigned redirects = 0, bool absolute = false)
    {
        emu::options o;
        o.api_key = api_key;
        o.redirect_images = redirects;
        o.redirect_absolute = absolute;
        o.queue_time = 100ms;
        o.process_time = 200ms;
        o.seed = 7;
        if (tls) {
            o.tls_cert_file = pki().server_cert;
            o.tls_key_file = pki().server_key;
        }
        return o;
    }

    explicit emulator(bool tls = false, unsigned redirects = 0, bool absolute = false)
        : srv(make_options(tls, redirects, absolute))
    {
        srv.start();
    }

    /// The environment of a correctly configured tool.
    std::map<std::string, std::string> env() const
    {
        std::map<std::string, std::string> e{{"AKOOL_BASE_URL", srv.base_url()}, {"AKOOL_API_KEY", api_key}};
        if (srv.uses_tls()) e["AKOOL_CA_FILE"] = pki().ca_cert;
        return e;
    }
};

const std::vector<bool> both_schemes = {false, true};

} // namespace

// ---- generation ----------------------------------------------------------------------------

BOOST_DATA_TEST_CASE(text_to_image_saves_one_png, bdata::make(both_schemes), tls)
{
    emulator e(tls);
    auto r = run_tool({"generate", "--prompt", "a lighthouse in a storm", "--scale", "16:9", "--resolution", "1080p",
                       "--out", e.out_dir},
                      e.env());
    BOOST_TEST_REQUIRE(r.exit_code == 0, "stderr: " << r.err);
    BOOST_TEST(r.err.empty(), r.err);
    auto files = files_in(e.out_dir);
    BOOST_TEST_REQUIRE(files.size() == 1u);
    std::string bytes = read_file(files[0]);
    BOOST_TEST(is_png(bytes));
    // 16:9 at 1080p, divided by the emulator's scale-down of 10.
    BOOST_TEST(png_size(bytes).first == 192u);
    BOOST_TEST(png_size(bytes).second == 108u);
    // A person sees the task id, the statuses and the saved path.
    BOOST_TEST(r.out.find("saved " + files[0]) != std::string::npos, r.out);
    BOOST_TEST(r.out.find("task ") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("completed") != std::string::npos, r.out);
    BOOST_TEST(e.srv.get_stats().creates_processed == 1u);
}

BOOST_DATA_TEST_CASE(batch_of_four_gives_four_distinct_files, bdata::make(both_schemes), tls)
{
    emulator e(tls);
    auto r = run_tool({"generate", "--prompt", "four cats", "--count", "4", "--resolution", "1080p", "--out",
                       e.out_dir, "--json"},
                      e.env());
    BOOST_TEST_REQUIRE(r.exit_code == 0, "stderr: " << r.err);
    std::set<std::string> task_ids, saved_paths, contents;
    std::set<std::string> statuses;
    for (const auto& o : json_lines(r.out)) {
        std::string ev = str(o, "event");
        if (ev == "task") task_ids.insert(str(o, "task_id"));
        if (ev == "status") statuses.insert(str(o, "status"));
        if (ev == "saved") {
            saved_paths.insert(str(o, "path"));
            BOOST_TEST(str(o, "status") == "completed");
        }
    }
    BOOST_TEST(task_ids.size() == 4u);
    BOOST_TEST(statuses.count("completed") == 1u);
    BOOST_TEST_REQUIRE(saved_paths.size() == 4u);
    auto files = files_in(e.out_dir);
    BOOST_TEST(files.size() == 4u);
    for (const auto& p : saved_paths) {
        std::string bytes = read_file(p);
        BOOST_TEST(is_png(bytes), p);
        contents.insert(bytes);
        BOOST_TEST(task_ids.count(fs::path(p).stem().string()) == 1u, p);
    }
    BOOST_TEST(contents.size() == 4u);  // four different pictures
    BOOST_TEST(e.srv.get_stats().tasks_created == 4u);
    BOOST_TEST(e.srv.get_stats().creates_processed == 1u);
}

BOOST_DATA_TEST_CASE(image_to_image_original, bdata::make(both_schemes), tls)
{
    emulator e(tls);
    auto r = run_tool({"generate", "--prompt", "as a watercolor", "--source", "https://example.com/source-image.jpg",
                       "--scale", "Original", "--similar", "0.7", "--resolution", "1080p", "--out", e.out_dir},
                      e.env());
    BOOST_TEST_REQUIRE(r.exit_code == 0, "stderr: " << r.err);
    auto files = files_in(e.out_dir);
    BOOST_TEST_REQUIRE(files.size() == 1u);
    std::string bytes = read_file(files[0]);
    BOOST_TEST(is_png(bytes));
    BOOST_TEST(png_size(bytes).first == 192u);  // the emulator renders "Original" as 4:3
    BOOST_TEST(png_size(bytes).second == 144u);
}

BOOST_AUTO_TEST_CASE(no_wait_then_status_then_wait)
{
    emulator e;
    auto created = run_tool({"generate", "--prompt", "a kite", "--count", "2", "--no-wait", "--json"}, e.env());
    BOOST_TEST_REQUIRE(created.exit_code == 0, created.err);
    std::vector<std::string> ids;
    for (const auto& o : json_lines(created.out)) {
        BOOST_TEST(str(o, "event") == "task");
        ids.push_back(str(o, "task_id"));
    }
    BOOST_TEST_REQUIRE(ids.size() == 2u);
    BOOST_TEST(files_in(e.out_dir).empty());

    auto waited = run_tool({"wait", ids[0], ids[1], "--out", e.out_dir, "--json"}, e.env());
    BOOST_TEST_REQUIRE(waited.exit_code == 0, waited.err);
    std::set<std::string> saved;
    for (const auto& o : json_lines(waited.out))
        if (str(o, "event") == "saved") saved.insert(str(o, "path"));
    BOOST_TEST(saved.size() == 2u);
    for (const auto& id : ids) BOOST_TEST(saved.count((fs::path(e.out_dir) / (id + ".png")).string()) == 1u, id);
    for (const auto& p : saved) BOOST_TEST(is_png(read_file(p)));

    auto status = run_tool({"status", ids[0], ids[1], "--json"}, e.env());
    BOOST_TEST_REQUIRE(status.exit_code == 0, status.err);
    auto objs = json_lines(status.out);
    BOOST_TEST_REQUIRE(objs.size() == 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        BOOST_TEST(str(objs[i], "task_id") == ids[i]);
        BOOST_TEST(str(objs[i], "status") == "completed");
        BOOST_TEST(str(objs[i], "url").find("/files/" + ids[i]) != std::string::npos);
    }

    auto human = run_tool({"status", ids[0]}, e.env());
    BOOST_TEST(human.exit_code == 0);
    BOOST_TEST(human.out.find(ids[0] + " completed") != std::string::npos, human.out);
}

// A line that cannot be written to stdout (a full device) is not lost in silence: the command
// still does its work (the image saved, the batch journal written), then exits 1 saying that
// stdout failed (helper-44's audit: status, wait and batch exited 0 with their output gone;
// helper-49's review: --dry-run and --help too).
BOOST_DATA_TEST_CASE(output_that_cannot_be_written_exits_1_after_the_work,
                     bdata::make({"generate", "status", "wait", "batch", "dry-run", "help", "batch-help", "webhook-help",
                                  "refused"}),
                     command)
{
    BOOST_TEST_REQUIRE(fs::exists("/dev/full"));
    emulator e;
    akool_test::temp_dir work{"akool-cli-full-"};
    const std::string cmd = command;
    std::vector<std::string> args;
    auto env = e.env();
    if (cmd == "refused") {  // a failure keeps its own exit code (3), and says the lines are lost
        env["AKOOL_API_KEY"] = "not-the-key-0123456789";
        args = {"generate", "--prompt", "a kite", "--json", "--out", e.out_dir};
    } else if (cmd == "generate") {
        args = {"generate", "--prompt", "a kite", "--resolution", "1080p", "--out", e.out_dir};
    } else if (cmd == "dry-run") {
        args = {"generate", "--prompt", "a kite", "--dry-run"};
    } else if (cmd == "help") {
        args = {"--help"};
    } else if (cmd == "batch-help") {
        args = {"batch", "--help"};
    } else if (cmd == "webhook-help") {
        args = {"webhook", "--help"};
    } else if (cmd == "batch") {
        std::ofstream(work.path() + "/m.jsonl") << "{\"prompt\":\"a kite\",\"resolution\":\"1080p\"}\n";
        args = {"batch", work.path() + "/m.jsonl", "--out", e.out_dir};
    } else {
        auto created = run_tool({"generate", "--prompt", "a kite", "--no-wait", "--json"}, e.env());
        BOOST_TEST_REQUIRE(created.exit_code == 0, created.err);
        auto objs = json_lines(created.out);
        BOOST_TEST_REQUIRE(objs.size() == 1u);
        args = {cmd, str(objs[0], "task_id")};
        if (cmd == "wait") args.insert(args.end(), {"--out", e.out_dir});
    }
    std::vector<std::string> sh{"-c", "exec \"$0\" \"$@\" > /dev/full", tool_path()};
    sh.insert(sh.end(), args.begin(), args.end());
    auto r = akool_test::run_process("/bin/sh", sh, env, "/dev/null", 60s);
    BOOST_TEST(!r.timed_out);
    BOOST_TEST(r.exit_code == (cmd == "refused" ? 3 : 1), "exit " << r.exit_code << ", stderr: " << r.err);
    const std::string said = cmd == "webhook-help" ? "webhook: cannot write the help to stdout"
                                                   : "cannot write to stdout (No space left on device)";
    BOOST_TEST(r.err.find(said) != std::string::npos, r.err);
    if (cmd == "refused") {
        BOOST_TEST(r.err.find("1101") != std::string::npos, r.err);
        BOOST_TEST(r.err.find("the work itself was done") == std::string::npos, r.err);
    }
    BOOST_TEST(r.err.find(api_key) == std::string::npos);
    std::size_t pngs = 0;
    for (const auto& f : files_in(e.out_dir)) pngs += is_png(read_file(f)) ? 1 : 0;
    const bool saves = cmd == "generate" || cmd == "wait" || cmd == "batch";
    BOOST_TEST(pngs == (saves ? 1u : 0u));
    if (cmd == "batch") BOOST_TEST(read_file(e.out_dir + "/.akool-batch.jsonl").find("\"event\":\"saved\"") != std::string::npos);
}

// ---- dry run -------------------------------------------------------------------------------

struct dry_run_case {
    const char* seed;  // the documented example body, in test/data
    std::vector<std::string> args;
};
std::ostream& operator<<(std::ostream& os, const dry_run_case& c) { return os << c.seed; }

const std::vector<dry_run_case> dry_run_cases = {
    {"seed_text_to_image_request.json",
     {"--model", "wavespeed-ai/flux-krea-dev-lora", "--negative", "low quality, worst quality, blurry, out of focus",
      "--prompt", "A majestic mountain landscape at sunset with golden light", "--scale", "16:9", "--resolution", "4k",
      "--count", "1"}},
    {"seed_image_to_image_request.json",
     {"--model", "wavespeed-ai/flux-kontext-dev", "--negative", "low quality, worst quality, blurry, out of focus",
      "--prompt", "Transform this into a watercolor painting style", "--source",
      "https://example.com/source-image.jpg", "--scale", "1:1", "--resolution", "4k", "--similar", "0.7", "--count",
      "1"}},
    {"seed_curl_request.json",
     {"--prompt", "A majestic mountain landscape at sunset with golden light", "--scale", "16:9", "--resolution", "4k",
      "--count", "1"}},
};

BOOST_DATA_TEST_CASE(dry_run_prints_the_documented_body_and_sends_nothing, bdata::make(dry_run_cases), c)
{
    emulator e;
    std::vector<std::string> args{"generate", "--dry-run"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = run_tool(args, e.env());
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(r.err.empty(), r.err);

    // The output is the documented example, field for field...
    auto expected = boost::json::parse(read_file(std::string(AKOOL_TEST_SOURCE_DIR) + "/test/data/" + c.seed));
    auto lines = lines_of(r.out);
    BOOST_TEST_REQUIRE(lines.size() == 1u, r.out);
    BOOST_TEST(boost::json::parse(lines[0]) == expected, lines[0] << " vs " << expected);
    // ...and byte for byte the body the library sends for that request.
    akool::error_code ec;
    akool::diagnostics diag;
    akool::image_request req = akool::decode_image_request(read_file(std::string(AKOOL_TEST_SOURCE_DIR) +
                                                                     "/test/data/" + c.seed),
                                                           ec, diag);
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST(r.out == akool::encode_image_request(req) + "\n");
    BOOST_TEST(e.srv.get_stats().requests == 0u);
}

BOOST_AUTO_TEST_CASE(dry_run_needs_no_credentials)
{
    auto r = run_tool({"generate", "--dry-run", "--prompt", "a fox"}, {});
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(r.out == "{\"prompt\":\"a fox\"}\n");
}

// A value that starts with "--" is given inline; a negative number needs no such form.
BOOST_AUTO_TEST_CASE(dry_run_takes_an_inline_value_that_starts_with_dashes)
{
    auto r = run_tool({"generate", "--dry-run", "--prompt=--dry-run", "--negative", "-1"}, {});
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(r.out == "{\"negative_prompt\":\"-1\",\"prompt\":\"--dry-run\"}\n");
}

// The --dry-run body is the one that would be sent, even when the prompt holds the key: it is not
// a message of the tool, and credentials travel in headers. The tool's messages stay scrubbed.
BOOST_AUTO_TEST_CASE(dry_run_prints_the_body_unscrubbed_and_messages_scrubbed)
{
    const std::string key = "sk-live-0042";  // not api_key: run_tool rejects that on stdout
    auto r = run_tool({"generate", "--dry-run", "--prompt", "revoke key " + key + " in the vault"},
                      {{"AKOOL_API_KEY", key}});
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(r.out == "{\"prompt\":\"revoke key " + key + " in the vault\"}\n");
    r = run_tool({"generate", "--dry-run", "--prompt", "x", "--scale", key}, {{"AKOOL_API_KEY", key}});
    BOOST_TEST(r.exit_code == 2);
    check_one_line_reason(r, "scale: '***'");
    BOOST_TEST(r.err.find(key) == std::string::npos, r.err);
}

// ---- exit code 2: invalid input, nothing sent ----------------------------------------------

struct invalid_case {
    const char* name;
    std::vector<std::string> args;
    const char* reason;  // expected in the one-line reason
};
std::ostream& operator<<(std::ostream& os, const invalid_case& c) { return os << c.name; }

const std::vector<invalid_case> invalid_cases = {
    {"count_too_high", {"generate", "--prompt", "x", "--count", "5"}, "batch_quantity"},
    {"count_zero", {"generate", "--prompt", "x", "--count", "0"}, "batch_quantity"},
    {"count_not_integer", {"generate", "--prompt", "x", "--count", "2.5"}, "batch_quantity"},
    {"blank_prompt", {"generate", "--prompt", "   "}, "prompt"},
    {"empty_prompt", {"generate", "--prompt", ""}, "prompt"},
    {"missing_prompt", {"generate", "--count", "1"}, "--prompt"},
    {"unknown_scale", {"generate", "--prompt", "x", "--scale", "5:4"}, "scale"},
    {"original_without_source", {"generate", "--prompt", "x", "--scale", "Original"}, "scale"},
    {"unknown_resolution", {"generate", "--prompt", "x", "--resolution", "8k"}, "resolution"},
    {"similar_out_of_range", {"generate", "--prompt", "x", "--source", "https://e.com/a.png", "--similar", "1.5"},
     "similar"},
    {"similar_not_a_number", {"generate", "--prompt", "x", "--similar", "abc"}, "similar"},
    {"source_not_a_url", {"generate", "--prompt", "x", "--source", "not a url"}, "source_images"},
    {"webhook_not_a_url", {"generate", "--prompt", "x", "--webhook", "ftp://x"}, "webhookurl"},
    {"unknown_option", {"generate", "--prompt", "x", "--colour", "red"}, "--colour"},
    {"missing_value", {"generate", "--prompt"}, "--prompt needs a value"},
    // An option where a value belongs is not the value: no charged create of prompt "--dry-run".
    {"option_as_prompt", {"generate", "--prompt", "--dry-run"}, "--prompt needs a value"},
    {"option_as_negative", {"generate", "--negative", "--dry-run", "--prompt", "x"}, "--negative needs a value"},
    {"option_as_timeout", {"generate", "--prompt", "x", "--timeout", "--dry-run"}, "--timeout needs a value"},
    {"negative_number_is_a_value",
     {"generate", "--prompt", "x", "--source", "https://e.com/a.png", "--similar", "-0.5"}, "similar"},
    {"bad_timeout", {"generate", "--prompt", "x", "--timeout", "-1"}, "--timeout"},
    {"bad_max_retry_after", {"generate", "--prompt", "x", "--max-retry-after", "1.5"}, "--max-retry-after"},
    {"unknown_command", {"paint", "--prompt", "x"}, "paint"},
    {"status_without_id", {"status", "--json"}, "task id"},
    {"wait_generate_option", {"wait", "abc", "--prompt", "x"}, "--prompt"},
};

BOOST_DATA_TEST_CASE(invalid_input_exits_2_and_sends_nothing, bdata::make(invalid_cases), c)
{
    emulator e;
    auto args = c.args;
    if (args[0] == "generate") args.insert(args.begin() + 1, {"--out", e.out_dir + "/sub"});
    auto r = run_tool(args, e.env());
    BOOST_TEST(r.exit_code == 2);
    check_one_line_reason(r, c.reason);
    BOOST_TEST(r.out.empty(), r.out);
    BOOST_TEST(e.srv.get_stats().connections == 0u);
    BOOST_TEST(e.srv.get_stats().requests == 0u);
    BOOST_TEST(files_in(e.out_dir).empty());
}

// The command list in these messages is the full one, batch included.
BOOST_AUTO_TEST_CASE(a_missing_or_unknown_command_names_every_command)
{
    auto r = run_tool({}, {});
    BOOST_TEST(r.exit_code == 2);
    check_one_line_reason(r, "missing command: generate, status, wait, webhook or batch");
    r = run_tool({"bacth", "m.jsonl"}, {});
    BOOST_TEST(r.exit_code == 2);
    check_one_line_reason(r, "unknown command 'bacth': use generate, status, wait, webhook or batch");
}

BOOST_AUTO_TEST_CASE(missing_configuration_exits_2_and_sends_nothing)
{
    emulator e;
    auto no_key = e.env();
    no_key.erase("AKOOL_API_KEY");
    auto r = run_tool({"generate", "--prompt", "x", "--out", e.out_dir}, no_key);
    BOOST_TEST(r.exit_code == 2);
    check_one_line_reason(r, "AKOOL_API_KEY");

    auto bad_url = e.env();
    bad_url["AKOOL_BASE_URL"] = "openapi.akool.com";
    r = run_tool({"status", "abc"}, bad_url);
    BOOST_TEST(r.exit_code == 2);
    check_one_line_reason(r, R"(AKOOL_BASE_URL "openapi.akool.com" is not an absolute URL (it has no scheme://host part))");
    // The client's words, which never show a secret the URL holds by mistake.
    bad_url["AKOOL_BASE_URL"] = "openapi.akool.com/" + bad_url.at("AKOOL_API_KEY");
    r = run_tool({"status", "abc"}, bad_url);
    BOOST_TEST(r.exit_code == 2);
    check_one_line_reason(r, "AKOOL_BASE_URL (not shown: it holds the API key");
    BOOST_TEST(r.err.find(bad_url.at("AKOOL_API_KEY")) == std::string::npos, r.err);
    bad_url["AKOOL_CLIENT_SECRET"] = "client-secret-5e2f";  // without AKOOL_CLIENT_ID
    bad_url["AKOOL_BASE_URL"] = "openapi.akool.com/client-secret-5e2f";
    r = run_tool({"status", "abc"}, bad_url);
    BOOST_TEST(r.exit_code == 2);
    check_one_line_reason(r, "AKOOL_BASE_URL (not shown");
    BOOST_TEST(r.err.find("client-secret-5e2f") == std::string::npos, r.err);

    auto bad_ca = e.env();
    bad_ca["AKOOL_CA_FILE"] = e.out_dir + "/no-such-ca.pem";
    r = run_tool({"status", "abc"}, bad_ca);
    BOOST_TEST(r.exit_code == 2);
    check_one_line_reason(r, "AKOOL_CA_FILE");
    BOOST_TEST(e.srv.get_stats().requests == 0u);
}

// AKOOL_RESOLVE gives a host's addresses instead of DNS: a base URL under a name no resolver
// knows reaches the emulator; a malformed entry exits 2 before anything is sent.
BOOST_AUTO_TEST_CASE(akool_resolve_reaches_a_host_by_the_given_address)
{
    emulator e;
    const std::string port = std::to_string(e.srv.port());
    auto env = e.env();
    env["AKOOL_BASE_URL"] = "http://api.akool.test:" + port;
    env["AKOOL_RESOLVE"] = "other.test:*:[::1]  api.akool.test:" + port + ":127.0.0.1";
    auto r = run_tool({"generate", "--prompt", "x", "--out", e.out_dir}, env);
    BOOST_TEST_REQUIRE(r.exit_code == 0, "stderr: " << r.err);
    BOOST_TEST(files_in(e.out_dir).size() == 1u);

    const std::vector<std::string> bad_entries = {"api.akool.test:" + port, "api.akool.test:0:127.0.0.1",
                                                  ":80:127.0.0.1", "api.akool.test:*:127.0.0.1,localhost"};
    for (const std::string& bad : bad_entries) {
        env["AKOOL_RESOLVE"] = bad;
        r = run_tool({"status", "abc"}, env);
        BOOST_TEST(r.exit_code == 2, bad);
        check_one_line_reason(r, "AKOOL_RESOLVE");
    }
    BOOST_TEST(e.srv.get_stats().creates_processed == 1u);
}

// AKOOL_DOWNLOAD_ADDRESSES: `public` refuses the emulator's image at 127.0.0.1 even though the
// API is there (a failure line naming the variable, exit 1, no file, nothing served); `any`
// and unset download it; anything else exits 2 before anything is sent.
BOOST_AUTO_TEST_CASE(akool_download_addresses_decides_where_images_come_from)
{
    emulator e;
    auto env = e.env();
    env["AKOOL_DOWNLOAD_ADDRESSES"] = "public";
    auto r = run_tool({"generate", "--prompt", "x", "--out", e.out_dir}, env);
    BOOST_TEST(r.exit_code == 1, "stderr: " << r.err);
    BOOST_TEST(r.err.find("is not a public address") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("if the image host is one you trust, AKOOL_DOWNLOAD_ADDRESSES=any allows it") !=
                   std::string::npos,
               r.err);
    BOOST_TEST(files_in(e.out_dir).empty());
    BOOST_TEST(e.srv.get_stats().images_served == 0u);

    for (const char* value : {"any", ""}) {
        env["AKOOL_DOWNLOAD_ADDRESSES"] = value;
        r = run_tool({"generate", "--prompt", "x", "--out", e.out_dir}, env);
        BOOST_TEST(r.exit_code == 0, value << " stderr: " << r.err);
    }
    BOOST_TEST(files_in(e.out_dir).size() == 2u);

    const auto creates = e.srv.get_stats().creates_processed;
    for (const char* bad : {"Any", "private", "like_the_api", " any"}) {
        env["AKOOL_DOWNLOAD_ADDRESSES"] = bad;
        r = run_tool({"generate", "--prompt", "x", "--out", e.out_dir}, env);
        BOOST_TEST(r.exit_code == 2, bad);
        check_one_line_reason(r, "AKOOL_DOWNLOAD_ADDRESSES");
    }
    BOOST_TEST(e.srv.get_stats().creates_processed == creates);
}

BOOST_AUTO_TEST_CASE(client_id_and_secret_alone_get_a_token_and_generate)
{
    emulator e;
    auto env = e.env();
    env.erase("AKOOL_API_KEY");
    env["AKOOL_CLIENT_ID"] = "cli-client-id-16";
    env["AKOOL_CLIENT_SECRET"] = "cli-client-secret-24-chr";
    auto r = run_tool({"generate", "--prompt", "x", "--out", e.out_dir, "--verbose"}, env);
    BOOST_TEST_REQUIRE(r.exit_code == 0, "stderr: " << r.err);
    BOOST_TEST(files_in(e.out_dir).size() == 1u);
    BOOST_TEST(e.srv.get_stats().tokens_issued == 1u);
    BOOST_TEST(e.srv.get_stats().creates_processed == 1u);
    // --verbose shows the refused create (1102), the token exchange and the create sent again.
    BOOST_TEST(r.err.find("/api/open/v3/getToken") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("1102") != std::string::npos, r.err);
    BOOST_TEST(r.out.find("cli-client-secret") == std::string::npos);
    BOOST_TEST(r.err.find("cli-client-secret") == std::string::npos);
}

// ---- exit code 3: the service refused, or the generation failed -----------------------------

BOOST_AUTO_TEST_CASE(wrong_api_key_exits_3_with_1101)
{
    emulator e;
    auto env = e.env();
    env["AKOOL_API_KEY"] = "wrong-" + api_key;  // contains the real key: must not show either
    auto r = run_tool({"generate", "--prompt", "x", "--out", e.out_dir}, env);
    BOOST_TEST(r.exit_code == 3);
    check_one_line_reason(r, "1101");
    BOOST_TEST(r.err.find("wrong-") == std::string::npos, r.err);
    BOOST_TEST(files_in(e.out_dir).empty());
    BOOST_TEST(e.srv.get_stats().creates_processed == 0u);
}

// The tool scrubs credentials from what it prints; a key too short to tell from ordinary text
// ("1") is left alone rather than replaced everywhere (the reason's "1101", the JSON lines'
// numbers).
BOOST_AUTO_TEST_CASE(a_one_character_key_does_not_garble_the_output)
{
    emulator e;
    auto env = e.env();
    env["AKOOL_API_KEY"] = "1";
    auto r = run_tool({"generate", "--prompt", "x", "--out", e.out_dir, "--json"}, env);
    BOOST_TEST(r.exit_code == 3);
    BOOST_TEST(r.out.find("***") == std::string::npos, r.out);
    BOOST_TEST(r.out.find("1101") != std::string::npos, r.out);
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
        boost::system::error_code jec;
        boost::json::parse(line, jec);
        BOOST_TEST(!jec, "not a JSON line: " << line);
    }
}

BOOST_AUTO_TEST_CASE(unknown_task_exits_3_with_1003)
{
    emulator e;
    auto r = run_tool({"status", "000000000000000000000000"}, e.env());
    BOOST_TEST(r.exit_code == 3);
    check_one_line_reason(r, "1003");
    r = run_tool({"wait", "000000000000000000000000", "--out", e.out_dir}, e.env());
    BOOST_TEST(r.exit_code == 3);
    check_one_line_reason(r, "1003");
}

BOOST_DATA_TEST_CASE(failed_generation_exits_3_without_a_file, bdata::make(both_schemes), tls)
{
    emulator e(tls);
    e.srv.fail_next(emu::fault_kind::fail_generation, 1);
    auto r = run_tool({"generate", "--prompt", "doomed", "--resolution", "1080p", "--out", e.out_dir}, e.env());
    BOOST_TEST(r.exit_code == 3);
    check_one_line_reason(r, "generat");
    BOOST_TEST(files_in(e.out_dir).empty());
}

BOOST_AUTO_TEST_CASE(wait_on_a_failed_task_exits_3)
{
    emulator e;
    e.srv.fail_next(emu::fault_kind::fail_generation, 1);
    auto created = run_tool({"generate", "--prompt", "doomed", "--no-wait", "--json"}, e.env());
    BOOST_TEST_REQUIRE(created.exit_code == 0, created.err);
    auto objs = json_lines(created.out);
    BOOST_TEST_REQUIRE(objs.size() == 1u);
    std::string id = str(objs[0], "task_id");
    auto r = run_tool({"wait", id, "--out", e.out_dir}, e.env());
    BOOST_TEST(r.exit_code == 3);
    check_one_line_reason(r, id);
    BOOST_TEST(files_in(e.out_dir).empty());
}

struct api_code_case {
    int code;
    const char* msg;
};
std::ostream& operator<<(std::ostream& os, const api_code_case& c) { return os << c.code; }

const std::vector<api_code_case> api_codes = {
    {1003, "Parameter error"},           {1101, "Invalid authorization or The request token has expired"},
    {1102, "Authorization cannot be empty"}, {1108, "image generate error,please try again later"},
    {1200, "The account has been banned"},   {1234, "something new"},
};

BOOST_DATA_TEST_CASE(every_api_code_exits_3_with_its_number, bdata::make(api_codes), c)
{
    namespace mini = akool_test::mini;
    std::string reply = akool::encode_error_response(c.code, c.msg);
    mini::server srv([&](const mini::http::request<mini::http::string_body>&) {
        mini::action a;
        a.body = reply;
        return a;
    });
    akool_test::temp_dir out("akool-cli-out-");
    const std::string& out_dir = out.path();
    auto r = run_tool({"generate", "--prompt", "x", "--out", out_dir},
                      {{"AKOOL_BASE_URL", srv.base_url()}, {"AKOOL_API_KEY", api_key}});
    BOOST_TEST(r.exit_code == 3);
    check_one_line_reason(r, std::to_string(c.code));
    check_one_line_reason(r, c.msg);  // the service's own words
    BOOST_TEST(files_in(out_dir).empty());
    BOOST_TEST(srv.requests() >= 1);
}

// ---- exit code 4: network, TLS, timeout ---------------------------------------------------

BOOST_TEST_DECORATOR(*boost::unit_test::label("slow"))
BOOST_AUTO_TEST_CASE(untrusted_certificate_exits_4_and_creates_nothing)
{
    emulator e(true);
    auto env = e.env();
    env.erase("AKOOL_CA_FILE");  // the system store does not know the test CA
    auto r = run_tool({"generate", "--prompt", "x", "--out", e.out_dir}, env);
    BOOST_TEST(r.exit_code == 4);
    check_one_line_reason(r, "certificate");
    BOOST_TEST(e.srv.get_stats().requests == 0u);
    BOOST_TEST(files_in(e.out_dir).empty());
}

BOOST_AUTO_TEST_CASE(plain_http_client_against_tls_port_exits_4)
{
    emulator e(true);
    auto env = e.env();
    std::string url = e.srv.base_url();
    env["AKOOL_BASE_URL"] = "http" + url.substr(5);  // https://... -> http://...
    auto r = run_tool({"status", "abc"}, env);
    BOOST_TEST(r.exit_code == 4);
    check_one_line_reason(r, "status abc");
}

BOOST_AUTO_TEST_CASE(slow_service_exits_4_on_timeout)
{
    emulator e;
    emu::fault_plan slow;
    slow.latency = 5s;
    e.srv.set_faults(slow);
    auto r = run_tool({"generate", "--prompt", "x", "--timeout", "0.5", "--out", e.out_dir}, e.env());
    BOOST_TEST(r.exit_code == 4);
    check_one_line_reason(r, "timed out");
    BOOST_TEST(files_in(e.out_dir).empty());
}

// --timeout bounds the whole status command, its retries and their waits included (helper-14's
// audit: `status --timeout 4` ran four attempts of 4 s and the backoff between them, 19.6 s).
BOOST_AUTO_TEST_CASE(status_keeps_to_its_timeout)
{
    emulator e;
    emu::fault_plan slow;
    slow.latency = 5s;
    e.srv.set_faults(slow);
    const auto start = std::chrono::steady_clock::now();
    auto r = run_tool({"status", "000000000000000000000000", "000000000000000000000001", "--timeout", "1"}, e.env());
    const auto took = std::chrono::steady_clock::now() - start;
    BOOST_TEST(r.exit_code == 4, r.err);
    BOOST_TEST(r.err.find("timed out") != std::string::npos, r.err);
    BOOST_TEST((took < 3500ms), std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
}

BOOST_AUTO_TEST_CASE(connection_refused_exits_4)
{
    // A port that was just free: bind, read the port, close.
    std::string url;
    {
        emu::server s(emulator::make_options(false));
        s.start();
        url = s.base_url();
    }
    auto r = run_tool({"status", "abc"}, {{"AKOOL_BASE_URL", url}, {"AKOOL_API_KEY", api_key}});
    BOOST_TEST(r.exit_code == 4);
    check_one_line_reason(r, "connect");
}

BOOST_TEST_DECORATOR(*boost::unit_test::label("slow"))
BOOST_AUTO_TEST_CASE(failed_download_leaves_no_partial_file)
{
    emulator e;
    // Every download of a result file drops the connection (more than the retries).
    e.srv.fail_next(emu::fault_kind::drop_before, 50, "/files/");
    auto r = run_tool({"generate", "--prompt", "x", "--resolution", "1080p", "--out", e.out_dir}, e.env());
    BOOST_TEST(r.exit_code == 4);
    check_one_line_reason(r, "generate");
    BOOST_TEST(files_in(e.out_dir).empty());  // neither the image nor a temporary file
    BOOST_TEST(e.srv.get_stats().creates_processed == 1u);
}

BOOST_TEST_DECORATOR(*boost::unit_test::label("slow"))
BOOST_DATA_TEST_CASE(generate_follows_image_redirects, bdata::make(both_schemes) * bdata::make({false, true}), tls,
                     absolute)
{
    emulator e(tls, 5, absolute);  // the image URL answers with 5 redirects (relative or absolute Location)
    auto r = run_tool({"generate", "--prompt", "a lighthouse", "--resolution", "1080p", "--out", e.out_dir}, e.env());
    BOOST_TEST_REQUIRE(r.exit_code == 0, "stderr: " << r.err);
    auto files = files_in(e.out_dir);
    BOOST_TEST_REQUIRE(files.size() == 1u);
    BOOST_TEST(is_png(read_file(files[0])));
    BOOST_TEST(e.srv.get_stats().images_served == 1u);
}

BOOST_AUTO_TEST_CASE(a_sixth_image_redirect_fails_without_a_file)
{
    emulator e(false, 6);
    auto r = run_tool({"generate", "--prompt", "a lighthouse", "--resolution", "1080p", "--out", e.out_dir}, e.env());
    BOOST_TEST(r.exit_code == 1, "stderr: " << r.err);
    check_one_line_reason(r, "generate");
    BOOST_TEST(r.err.find("redirect") != std::string::npos, r.err);
    BOOST_TEST(files_in(e.out_dir).empty());
    BOOST_TEST(e.srv.get_stats().images_served == 0u);
}

// ---- exit code 1 and the rest ------------------------------------------------------------

BOOST_AUTO_TEST_CASE(unusable_output_directory_exits_1_before_sending)
{
    emulator e;
    std::string file = e.out_dir + "/a-file";
    std::ofstream(file) << "x";
    auto r = run_tool({"generate", "--prompt", "x", "--out", file}, e.env());
    BOOST_TEST(r.exit_code == 1);
    check_one_line_reason(r, "output directory");
    BOOST_TEST(e.srv.get_stats().requests == 0u);
}

BOOST_AUTO_TEST_CASE(help_lists_the_commands)
{
    auto r = run_tool({"--help"}, {});
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(r.out.find("akool-image generate --prompt TEXT") != std::string::npos);
    BOOST_TEST(r.out.find("AKOOL_API_KEY") != std::string::npos);
    BOOST_TEST(r.err.empty());
    r = run_tool({}, {});
    BOOST_TEST(r.exit_code == 2);
    check_one_line_reason(r, "missing command");
}

// ---- issue 15: hostile task ids, enveloped 429/5xx, UTF-8, partial batches, error table ------

namespace {

/// Every regular file under `dir`, recursively.
std::vector<std::string> all_files_under(const std::string& dir)
{
    std::vector<std::string> out;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
        if (it->is_regular_file()) out.push_back(it->path().string());
    return out;
}

struct hostile_id_case {
    const char* name;
    std::string id;
};
std::ostream& operator<<(std::ostream& os, const hostile_id_case& c) { return os << c.name; }

const std::vector<hostile_id_case> hostile_ids = {
    {"dot dot", ".."},
    {"parent path", "../../akool-escaped"},
    {"absolute path", "/tmp/akool-cli-absolute-id"},
    {"slash", "a/b"},
    {"backslash", "a\\b"},
    {"NUL", std::string("a\0b", 3)},
    {"empty", ""},
    {"10,000 characters", std::string(10000, 'a')},
    {"Windows device", "nul"},
};

} // namespace

BOOST_DATA_TEST_CASE(generate_refuses_a_service_task_id_that_cannot_name_a_file, bdata::make(hostile_ids), c)
{
    emulator e;
    e.srv.set_next_task_ids({c.id});
    std::string out = e.out_dir + "/deep/out";
    auto r = run_tool({"generate", "--prompt", "x", "--resolution", "1080p", "--out", out}, e.env());
    BOOST_TEST(r.exit_code == 1, "exit " << r.exit_code << ": " << r.err);
    // An empty id is already a bad reply; every other one is refused by its shape.
    check_one_line_reason(r, c.id.empty() ? "_id" : "not used as a file name");
    BOOST_TEST(all_files_under(e.out_dir).empty(), "a file was written");
    BOOST_TEST(!fs::exists(fs::path(e.out_dir) / "akool-escaped.png"));
    BOOST_TEST(!fs::exists("/tmp/akool-cli-absolute-id.png"));
    BOOST_TEST(r.err.size() < 600u, "the reason quotes the id shortly");
    BOOST_TEST(e.srv.get_stats().creates_processed == 1u);
}

BOOST_DATA_TEST_CASE(wait_refuses_a_task_id_that_cannot_name_a_file, bdata::make(hostile_ids), c)
{
    if (c.id.find('\0') != std::string::npos) return;  // an argument cannot hold a NUL byte
    emulator e;
    std::string out = e.out_dir + "/out";
    auto r = run_tool({"wait", c.id, "--out", out}, e.env());
    if (c.id.empty()) {  // an empty argument is no id at all
        BOOST_TEST(r.exit_code == 2);
    } else {
        BOOST_TEST(r.exit_code == 2, r.err);
        check_one_line_reason(r, "cannot name a file in --out");
    }
    BOOST_TEST(e.srv.get_stats().requests == 0u, "nothing is sent");
    BOOST_TEST(!fs::exists(out), "not even the directory is created");
}

// On a case-insensitive file system (macOS's, Windows's) ids equal but for letter case name
// one file: one image would replace the other.
BOOST_DATA_TEST_CASE(wait_refuses_ids_that_name_one_file,
                     bdata::make(std::vector<std::string>{"Task-a", "task-A"}) ^
                         bdata::make(std::vector<std::string>{"differ only in letter case", "is given twice"}),
                     second, reason)
{
    emulator e;
    std::string out = e.out_dir + "/out";
    auto r = run_tool({"wait", "task-A", "other", second, "--out", out}, e.env());
    BOOST_TEST(r.exit_code == 2, r.err);
    check_one_line_reason(r, reason);
    BOOST_TEST(e.srv.get_stats().requests == 0u, "nothing is sent");
    BOOST_TEST(!fs::exists(out), "not even the directory is created");
}

BOOST_AUTO_TEST_CASE(a_batch_with_a_hostile_id_saves_the_others)
{
    emulator e;
    e.srv.set_next_task_ids({"good-id-1", "../../akool-escaped", "good-id-3"});
    auto r = run_tool({"generate", "--prompt", "x", "--count", "3", "--resolution", "1080p", "--out", e.out_dir, "--json"},
                      e.env());
    BOOST_TEST(r.exit_code == 1, r.err);
    std::set<std::string> saved;
    int errors = 0;
    for (const auto& o : json_lines(r.out)) {
        if (str(o, "event") == "saved") saved.insert(str(o, "task_id"));
        if (str(o, "event") == "error") {
            ++errors;
            BOOST_TEST(str(o, "task_id") == "../../akool-escaped");
            BOOST_TEST(str(o, "reason").find("not used as a file name") != std::string::npos);
        }
    }
    BOOST_TEST((saved == std::set<std::string>{"good-id-1", "good-id-3"}));
    BOOST_TEST(errors == 1);
    BOOST_TEST(files_in(e.out_dir).size() == 2u);
    BOOST_TEST(!fs::exists(fs::path(e.out_dir).parent_path().parent_path() / "akool-escaped.png"));
}

// A batch where one task fails: every saved image is named, in both modes, and the failure too.
BOOST_AUTO_TEST_CASE(partial_batch_reports_every_saved_file_plain)
{
    emulator e;
    e.srv.fail_next(emu::fault_kind::fail_generation, 1);  // the first of the three
    auto r = run_tool({"generate", "--prompt", "three", "--count", "3", "--resolution", "1080p", "--out", e.out_dir},
                      e.env());
    BOOST_TEST(r.exit_code == 3, r.err);
    check_one_line_reason(r, "status 4");
    auto files = files_in(e.out_dir);
    BOOST_TEST_REQUIRE(files.size() == 2u);
    for (const auto& f : files) BOOST_TEST(r.out.find("saved " + f) != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(partial_batch_reports_every_saved_file_json)
{
    emulator e;
    e.srv.fail_next(emu::fault_kind::fail_generation, 2);
    auto r = run_tool({"generate", "--prompt", "four", "--count", "4", "--resolution", "1080p", "--out", e.out_dir,
                       "--json"},
                      e.env());
    BOOST_TEST(r.exit_code == 3, r.err);
    std::set<std::string> saved_paths, failed_ids, task_ids;
    for (const auto& o : json_lines(r.out)) {
        std::string ev = str(o, "event");
        if (ev == "task") task_ids.insert(str(o, "task_id"));
        if (ev == "saved") saved_paths.insert(str(o, "path"));
        if (ev == "error") {
            failed_ids.insert(str(o, "task_id"));
            BOOST_TEST(o.at("exit_code").as_int64() == 3);
            BOOST_TEST(str(o, "reason").find("status 4") != std::string::npos, str(o, "reason"));
        }
    }
    BOOST_TEST(task_ids.size() == 4u);
    BOOST_TEST(failed_ids.size() == 2u);
    BOOST_TEST_REQUIRE(saved_paths.size() == 2u);
    for (const auto& p : saved_paths) BOOST_TEST(is_png(read_file(p)), p);
    BOOST_TEST(files_in(e.out_dir).size() == 2u);
    for (const auto& id : failed_ids) BOOST_TEST(task_ids.count(id) == 1u, id);
    // Two failures: two lines on stderr, one per task.
    BOOST_TEST(lines_of(r.err).size() == 2u, r.err);
}

BOOST_AUTO_TEST_CASE(json_failure_prints_an_error_event)
{
    emulator e;
    e.srv.answer_next(1003, 1, std::string(emu::paths::create));
    auto r = run_tool({"generate", "--prompt", "x", "--out", e.out_dir, "--json"}, e.env());
    BOOST_TEST(r.exit_code == 3);
    auto objs = json_lines(r.out);
    BOOST_TEST_REQUIRE(objs.size() == 1u, r.out);
    BOOST_TEST(str(objs[0], "event") == "error");
    BOOST_TEST(str(objs[0], "reason").find("1003") != std::string::npos);
    // wait --json too.
    r = run_tool({"wait", "000000000000000000000000", "--json"}, e.env());
    BOOST_TEST(r.exit_code == 3);
    objs = json_lines(r.out);
    BOOST_TEST_REQUIRE(objs.size() == 1u, r.out);
    BOOST_TEST(str(objs[0], "event") == "error");
    BOOST_TEST(str(objs[0], "task_id") == "000000000000000000000000");
}

// 429 and 503 with an API envelope are retried after Retry-After, on polls and creates.
BOOST_AUTO_TEST_CASE(enveloped_429_and_503_are_retried)
{
    emulator e;
    emu::fault_plan plan;
    plan.envelope_http_errors = true;
    plan.retry_after = std::chrono::seconds(0);
    e.srv.set_faults(plan);
    e.srv.fail_next(emu::fault_kind::http_503, 1, std::string(emu::paths::create));
    e.srv.fail_next(emu::fault_kind::http_429, 2, std::string(emu::paths::result));
    auto r = run_tool({"generate", "--prompt", "x", "--resolution", "1080p", "--out", e.out_dir}, e.env());
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(files_in(e.out_dir).size() == 1u);
    auto s = e.srv.get_stats();
    BOOST_TEST(s.faults(emu::fault_kind::http_429) == 2u);
    BOOST_TEST(s.faults(emu::fault_kind::http_503) == 1u);
    BOOST_TEST(s.creates_processed == 1u);
}

// --max-retry-after: a Retry-After longer than it is reported at once, not slept on, and the
// create is not resent; without it, the library's 60 s lets the same 2 s wait and retry.
BOOST_AUTO_TEST_CASE(max_retry_after_bounds_the_wait_for_a_retry_after)
{
    emulator e;
    emu::fault_plan plan;
    plan.envelope_http_errors = true;
    plan.retry_after = std::chrono::seconds(2);
    e.srv.set_faults(plan);
    e.srv.fail_next(emu::fault_kind::http_429, 1, std::string(emu::paths::create));
    auto start = std::chrono::steady_clock::now();
    auto r = run_tool({"generate", "--prompt", "x", "--resolution", "1080p", "--max-retry-after", "1", "--out",
                       e.out_dir},
                      e.env());
    BOOST_TEST((std::chrono::steady_clock::now() - start < 1800ms), "not slept on");
    BOOST_TEST(r.exit_code == 4, r.err);
    check_one_line_reason(r, "Retry-After");
    BOOST_TEST(files_in(e.out_dir).empty());
    BOOST_TEST(e.srv.get_stats().requests_on(std::string(emu::paths::create)) == 1u);

    e.srv.fail_next(emu::fault_kind::http_429, 1, std::string(emu::paths::create));
    start = std::chrono::steady_clock::now();
    r = run_tool({"generate", "--prompt", "x", "--resolution", "1080p", "--out", e.out_dir}, e.env());
    BOOST_TEST((std::chrono::steady_clock::now() - start >= 1900ms), "the Retry-After was waited for");
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(files_in(e.out_dir).size() == 1u);
    BOOST_TEST(e.srv.get_stats().requests_on(std::string(emu::paths::create)) == 3u);
}

// An ambiguous create (500 with or without an envelope) is not resent, and says so.
BOOST_DATA_TEST_CASE(ambiguous_create_says_it_may_have_been_charged, bdata::make({false, true}), envelope)
{
    emulator e;
    emu::fault_plan plan;
    plan.envelope_http_errors = envelope;
    e.srv.set_faults(plan);
    e.srv.fail_next(emu::fault_kind::http_500, 1, std::string(emu::paths::create));
    auto r = run_tool({"generate", "--prompt", "x", "--out", e.out_dir}, e.env());
    BOOST_TEST(r.exit_code == 4, r.err);
    check_one_line_reason(r, "may have reached the service: it may have been processed (and charged) and was not resent");
    BOOST_TEST(e.srv.get_stats().requests_on(std::string(emu::paths::create)) == 1u);
    // The connection lost after sending: the same words.
    e.srv.fail_next(emu::fault_kind::drop_after, 1, std::string(emu::paths::create));
    r = run_tool({"generate", "--prompt", "x", "--out", e.out_dir}, e.env());
    BOOST_TEST(r.exit_code == 4, r.err);
    check_one_line_reason(r, "may have reached the service");
    BOOST_TEST(e.srv.get_stats().requests_on(std::string(emu::paths::create)) == 2u);
}

BOOST_AUTO_TEST_CASE(prompt_that_is_not_utf8_exits_2_and_sends_nothing)
{
    emulator e;
    auto r = run_tool({"generate", "--prompt", "caf\xe9 au lait", "--out", e.out_dir}, e.env());
    BOOST_TEST(r.exit_code == 2);
    check_one_line_reason(r, "prompt is not valid UTF-8: the byte at offset 3 (0xE9)");
    r = run_tool({"generate", "--prompt", "ok", "--negative", "\xc0\xaf", "--dry-run"}, e.env());
    BOOST_TEST(r.exit_code == 2);
    check_one_line_reason(r, "negative_prompt is not valid UTF-8: the byte at offset 0");
    BOOST_TEST(r.out.empty());
    BOOST_TEST(e.srv.get_stats().requests == 0u);
}

struct table_code_case {
    int code;
    const char* words;  // from the library's message for it
    bool top_up;
};
std::ostream& operator<<(std::ostream& os, const table_code_case& c) { return os << c.code; }

const std::vector<table_code_case> table_codes = {
    {1004, "needs verification", false},   {1006, "insufficient quota", true},
    {1008, "does not exist", false},       {1009, "no permission", false},
    {1010, "cannot be operated on", false}, {1103, "not paid", false},
    {1104, "insufficient credit", true},   {1109, "account does not exist", false},
    {1213, "subscription is required", false}, {1221, "subscription is required", false},
};

// Every code of Akool's table, answered by the emulator: exit 3, the number, the library's
// words and the service's, and for 1006/1104 the advice to top up.
BOOST_DATA_TEST_CASE(every_code_of_the_error_table, bdata::make(table_codes), c)
{
    emulator e;
    e.srv.answer_next(c.code, 100);
    auto r = run_tool({"generate", "--prompt", "x", "--out", e.out_dir}, e.env());
    BOOST_TEST(r.exit_code == 3);
    check_one_line_reason(r, "API code " + std::to_string(c.code));
    check_one_line_reason(r, c.words);
    check_one_line_reason(r, emu::documented_message(c.code));
    BOOST_TEST((r.err.find("top up") != std::string::npos) == c.top_up, r.err);
    BOOST_TEST(e.srv.get_stats().requests == 1u, "refusals are not retried");
    BOOST_TEST(files_in(e.out_dir).empty());
}

// 1005 is a refusal before processing: retried like 429, the create too.
BOOST_TEST_DECORATOR(*boost::unit_test::label("slow"))
BOOST_AUTO_TEST_CASE(code_1005_is_retried)
{
    emulator e;
    e.srv.answer_next(1005, 2);
    auto r = run_tool({"generate", "--prompt", "x", "--resolution", "1080p", "--out", e.out_dir}, e.env());
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(files_in(e.out_dir).size() == 1u);
    BOOST_TEST(e.srv.get_stats().creates_processed == 1u);
    e.srv.answer_next(1005, 10);  // more than the retries
    r = run_tool({"status", "000000000000000000000000"}, e.env());
    BOOST_TEST(r.exit_code == 3);
    check_one_line_reason(r, "API code 1005");
}

// ---- --verbose: the exchange log (issue 16) --------------------------------------------------

namespace {

// The `--verbose` lines of stderr, split into their fields: "exchange", method, host, path,
// then key=value pairs.
struct exchange_line {
    std::string method, host, path;
    std::map<std::string, std::string> kv;
};

std::vector<exchange_line> exchange_lines(const std::string& err)
{
    std::vector<exchange_line> out;
    for (const auto& l : lines_of(err)) {
        if (l.rfind("akool-image: exchange ", 0) != 0) continue;
        std::istringstream in(l.substr(std::strlen("akool-image: exchange ")));
        exchange_line x;
        in >> x.method >> x.host >> x.path;
        std::string word;
        while (in >> word) {
            auto eq = word.find('=');
            if (eq == std::string::npos) continue;
            x.kv[word.substr(0, eq)] = word.substr(eq + 1);
        }
        out.push_back(std::move(x));
    }
    return out;
}

} // namespace

// One line per HTTP exchange attempt, retries included, matching what the emulator counted
// path by path; the key appears nowhere (run_tool checks stdout and stderr).
BOOST_TEST_DECORATOR(*boost::unit_test::label("slow"))
BOOST_DATA_TEST_CASE(verbose_prints_one_line_per_exchange_the_emulator_counted, bdata::make(both_schemes), tls)
{
    emulator e(tls);
    e.srv.answer_next(1005, 2);  // two refused creates, retried
    auto r = run_tool({"generate", "--prompt", "a lighthouse", "--resolution", "1080p", "--out", e.out_dir, "--verbose"},
                      e.env());
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    auto lines = exchange_lines(r.err);
    BOOST_TEST(lines.size() == lines_of(r.err).size(), "every stderr line is an exchange line: " << r.err);
    const auto st = e.srv.get_stats();
    BOOST_TEST(lines.size() == st.requests);
    std::map<std::string, std::uint64_t> by_path;
    for (const auto& l : lines) by_path[l.path]++;
    BOOST_TEST(by_path == st.requests_by_path);
    // The creates: attempts 1, 2 and 3, the first two refused with 1005 and retried.
    std::vector<exchange_line> creates;
    for (const auto& l : lines)
        if (l.path == "/api/open/v4/content/image/createBySourcePrompt") creates.push_back(l);
    BOOST_TEST_REQUIRE(creates.size() == 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(creates[i].method == "POST");
        BOOST_TEST(creates[i].host == e.srv.base_url().substr(e.srv.base_url().find("://") + 3));
        BOOST_TEST(creates[i].kv["attempt"] == std::to_string(i + 1));
        BOOST_TEST(creates[i].kv["status"] == "200");
        BOOST_TEST(std::stoul(creates[i].kv["sent"]) > 0u);
    }
    BOOST_TEST(creates[0].kv["code"] == "1005");
    BOOST_TEST(creates[0].kv["retry"] != "no");
    BOOST_TEST(creates[1].kv["code"] == "1005");
    BOOST_TEST(creates[2].kv["code"] == "0");
    BOOST_TEST(creates[2].kv["retry"] == "no");
    // The image: one GET whose received bytes are the saved file's size; no query string anywhere.
    auto files = files_in(e.out_dir);
    BOOST_TEST_REQUIRE(files.size() == 1u);
    bool image_seen = false;
    for (const auto& l : lines) {
        BOOST_TEST(l.path.find('?') == std::string::npos, l.path);
        if (l.kv.count("received") && std::stoull(l.kv.at("received")) == fs::file_size(files[0])) image_seen = true;
    }
    BOOST_TEST(image_seen);
}

// Without --verbose, nothing but the failure reason on stderr.
BOOST_AUTO_TEST_CASE(no_verbose_no_exchange_lines)
{
    emulator e;
    auto r = run_tool({"status", "000000000000000000000000"}, e.env());
    BOOST_TEST(r.exit_code == 3);
    BOOST_TEST(exchange_lines(r.err).empty(), r.err);
}

// ---- download progress (issue 16) ------------------------------------------------------------

namespace {

std::uint64_t number(const boost::json::object& o, const char* key)
{
    auto it = o.find(key);
    return it != o.end() && it->value().is_number() ? it->value().to_number<std::uint64_t>() : ~std::uint64_t(0);
}

} // namespace

// --json: "download" events, bytes received never decreasing, the total (Content-Length, from
// the Beast transport) announced, the last event the saved file's size; plain output (not a
// terminal): the same as lines.
BOOST_TEST_DECORATOR(*boost::unit_test::label("slow"))
BOOST_DATA_TEST_CASE(download_progress_events_end_at_the_file_size, bdata::make(both_schemes), tls)
{
    emulator e(tls);
    auto r = run_tool({"generate", "--prompt", "a lighthouse", "--resolution", "1080p", "--count", "2", "--out",
                       e.out_dir, "--json"},
                      e.env());
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    std::map<std::string, std::string> saved;  // task id -> path
    std::map<std::string, std::vector<boost::json::object>> downloads;
    for (const auto& o : json_lines(r.out)) {
        if (str(o, "event") == "saved") saved[str(o, "task_id")] = str(o, "path");
        if (str(o, "event") == "download") downloads[str(o, "task_id")].push_back(o);
    }
    BOOST_TEST_REQUIRE(saved.size() == 2u);
    BOOST_TEST_REQUIRE(downloads.size() == 2u, r.out);
    for (const auto& [id, events] : downloads) {
        BOOST_TEST_REQUIRE(saved.count(id) == 1u, id);
        const auto size = fs::file_size(saved[id]);
        std::uint64_t last = 0;
        for (const auto& ev : events) {
            auto got = number(ev, "received");
            BOOST_TEST(got >= last);
            last = got;
            BOOST_TEST_REQUIRE(ev.at("total").is_number(), boost::json::serialize(ev));
            BOOST_TEST(number(ev, "total") == size);
            BOOST_TEST(number(ev, "index") < 2u);
        }
        BOOST_TEST(last == size);
    }

    emulator plain(tls);
    r = run_tool({"generate", "--prompt", "a kite", "--resolution", "1080p", "--out", plain.out_dir}, plain.env());
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    auto files = files_in(plain.out_dir);
    BOOST_TEST_REQUIRE(files.size() == 1u);
    const std::string size = std::to_string(fs::file_size(files[0]));
    BOOST_TEST(r.out.find(" downloading 100% " + size + " of " + size + " bytes") != std::string::npos, r.out);
}

// ---- proxies from the environment (issue 16) --------------------------------------------------

// HTTPS_PROXY: every https exchange through a CONNECT tunnel to the emulator; HTTP_PROXY: every
// http exchange in absolute form. The lower-case form wins (the upper-case one points at a
// port nothing listens on).
BOOST_DATA_TEST_CASE(generate_through_the_environment_proxy, bdata::make(both_schemes), tls)
{
    emulator e(tls);
    akool_test::forward_proxy proxy;
    unsigned short nothing = 0;
    {
        akool_test::forward_proxy gone;
        nothing = gone.port();
    }
    auto env = e.env();
    const std::string var = tls ? "https_proxy" : "http_proxy";
    env[var] = proxy.url();
    env[tls ? "HTTPS_PROXY" : "HTTP_PROXY"] = "http://127.0.0.1:" + std::to_string(nothing);
    auto r = run_tool({"generate", "--prompt", "a lighthouse", "--resolution", "1080p", "--out", e.out_dir}, env);
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(files_in(e.out_dir).size() == 1u);
    auto seen = proxy.seen();
    const std::string origin = e.srv.base_url().substr(e.srv.base_url().find("://") + 3);
    if (tls) {
        BOOST_TEST(seen.connects.size() >= 1u);
        for (const auto& c : seen.connects) BOOST_TEST(c == origin);
        BOOST_TEST(seen.absolute_urls.empty());
    } else {
        BOOST_TEST(seen.connects.empty());
        BOOST_TEST(seen.absolute_urls.size() == e.srv.get_stats().requests, "every exchange through the proxy");
        for (const auto& u : seen.absolute_urls) BOOST_TEST(u.rfind("http://" + origin + "/", 0) == 0u, u);
    }
}

// HTTP_PROXY in upper case is not read, as curl does not read it ("httpoxy": a CGI program's
// environment gets it from a request's Proxy: header); http:// goes direct (helper-14's audit:
// the proxy saw every request and its x-api-key).
BOOST_AUTO_TEST_CASE(upper_case_http_proxy_is_ignored)
{
    emulator e(false);
    akool_test::forward_proxy proxy;
    auto env = e.env();
    env["HTTP_PROXY"] = proxy.url();
    auto r = run_tool({"generate", "--prompt", "a lighthouse", "--resolution", "1080p", "--out", e.out_dir}, env);
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(files_in(e.out_dir).size() == 1u);
    auto seen = proxy.seen();
    BOOST_TEST(seen.absolute_urls.empty());
    BOOST_TEST(seen.connects.empty());
    BOOST_TEST(e.srv.get_stats().requests >= 3u, "create, result and image, direct");
}

// A proxy that refuses the tunnel, or is not there: exit 4 and one line naming the proxy.
BOOST_TEST_DECORATOR(*boost::unit_test::label("slow"))
BOOST_AUTO_TEST_CASE(a_refusing_or_missing_proxy_exits_4)
{
    emulator e(true);
    akool_test::forward_proxy proxy;
    proxy.refuse_connect(true);
    auto env = e.env();
    env["HTTPS_PROXY"] = proxy.url();
    auto r = run_tool({"status", "000000000000000000000000", "--timeout", "30"}, env);
    BOOST_TEST(r.exit_code == 4, r.err);
    check_one_line_reason(r, "refused with HTTP 403");
    BOOST_TEST(e.srv.get_stats().requests == 0u);

    unsigned short nothing = 0;
    {
        akool_test::forward_proxy gone;
        nothing = gone.port();
    }
    env["HTTPS_PROXY"] = "http://user:proxy-pass-42@127.0.0.1:" + std::to_string(nothing);
    r = run_tool({"status", "000000000000000000000000", "--timeout", "30"}, env);
    BOOST_TEST(r.exit_code == 4, r.err);
    check_one_line_reason(r, "cannot connect to proxy 127.0.0.1:" + std::to_string(nothing));
    BOOST_TEST(r.err.find("proxy-pass-42") == std::string::npos, r.err);
    BOOST_TEST(e.srv.get_stats().requests == 0u);
}

// NO_PROXY: the emulator's host is reached directly; a bad proxy URL is invalid configuration.
BOOST_AUTO_TEST_CASE(no_proxy_and_a_bad_proxy_url)
{
    emulator e(true);
    akool_test::forward_proxy proxy;
    auto env = e.env();
    env["HTTPS_PROXY"] = proxy.url();
    env["no_proxy"] = "example.com,.127.0.0.1";
    auto r = run_tool({"status", "000000000000000000000000"}, env);
    BOOST_TEST(r.exit_code == 3, r.err);  // the emulator answered: unknown task
    BOOST_TEST(proxy.seen().connects.empty());
    BOOST_TEST(e.srv.get_stats().requests == 1u);

    env.erase("no_proxy");
    env["HTTPS_PROXY"] = "socks5://127.0.0.1:1080";
    r = run_tool({"status", "000000000000000000000000"}, env);
    BOOST_TEST(r.exit_code == 2, r.err);
    check_one_line_reason(r, "HTTPS_PROXY: the proxy URL's scheme is not http");
    BOOST_TEST(e.srv.get_stats().requests == 1u);
}

// ---- interruption --------------------------------------------------------------------------

namespace {

// A service of one task: a create answers it, its result is completed with an image on this
// server, `/img/<image_name>`: a 200,000-byte PNG, whose first `stalls` downloads stall
// after 100,000 bytes (until the client goes or the server stops).
class stalling_service {
public:
    explicit stalling_service(int stalls = 1000, std::string image_name = "a.png")
        : stalls_(stalls), image_name_(std::move(image_name))
    {
        thread_ = std::thread([this] { accept_loop(); });
    }
    ~stalling_service()
    {
        stopped_ = true;
        ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // wakes the accept
        {
            std::lock_guard<std::mutex> lock(mtx_);
            for (auto& s : socks_) ::shutdown(s->native_handle(), SHUT_RDWR);
        }
        thread_.join();
        for (auto& t : conns_) t.join();
    }
    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }

private:
    using tcp = boost::asio::ip::tcp;

    void accept_loop()
    {
        for (;;) {
            auto sock = std::make_shared<tcp::socket>(ioc_);
            boost::system::error_code ec;
            acceptor_.accept(*sock, ec);
            if (ec || stopped_) return;
            std::lock_guard<std::mutex> lock(mtx_);
            socks_.push_back(sock);
            conns_.emplace_back([this, sock] { serve(*sock); });
        }
    }

    void serve(tcp::socket& s)
    {
        const std::string id = "0123456789abcdef01234567";
        boost::asio::streambuf buf;
        boost::system::error_code ec;
        for (;;) {
            const std::size_t n = boost::asio::read_until(s, buf, "\r\n\r\n", ec);
            if (ec) return;
            std::string head(boost::asio::buffers_begin(buf.data()), boost::asio::buffers_begin(buf.data()) + n);
            buf.consume(n);
            std::string lower = head;
            for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            std::size_t length = 0;
            if (auto cl = lower.find("\r\ncontent-length:"); cl != std::string::npos)
                length = std::stoul(lower.substr(cl + 17));
            if (buf.size() < length) boost::asio::read(s, buf, boost::asio::transfer_exactly(length - buf.size()), ec);
            if (ec) return;
            buf.consume(length);
            std::string body;
            if (head.rfind("POST ", 0) == 0) {
                body = R"({"code":1000,"msg":"OK","data":{"_id":")" + id + R"(","image_status":1}})";
            } else if (head.find("infobymodelid") != std::string::npos) {
                body = R"({"code":1000,"msg":"OK","data":{"_id":")" + id + R"(","image_status":3,"image":")" +
                       base_url() + "/img/" + image_name_ + R"("}})";
            } else {
                const bool stall = stalls_-- > 0;
                const std::string part = "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 200000\r\n\r\n"
                                         "\x89PNG\r\n\x1a\n" + std::string((stall ? 100000 : 200000) - 8, '\0');
                boost::asio::write(s, boost::asio::buffer(part), ec);
                if (!stall) continue;
                char c;
                s.read_some(boost::asio::buffer(&c, 1), ec);  // until the client goes or the server stops
                return;
            }
            const std::string reply = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                                      std::to_string(body.size()) + "\r\n\r\n" + body;
            boost::asio::write(s, boost::asio::buffer(reply), ec);
            if (ec) return;
        }
    }

    std::atomic<int> stalls_;
    const std::string image_name_;
    boost::asio::io_context ioc_;
    tcp::acceptor acceptor_{ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}};
    std::atomic<bool> stopped_{false};
    std::mutex mtx_;
    std::vector<std::shared_ptr<tcp::socket>> socks_;
    std::vector<std::thread> conns_;
    std::thread thread_;
};

// The arguments of `akool-image wait` of stalling_service's task into `out`, or of a batch of
// one line (its manifest written in `dir`) into `out`.
std::vector<std::string> one_task_command(const std::string& command, const std::string& dir, const std::string& out)
{
    if (command == "wait") return {"wait", "0123456789abcdef01234567", "--out", out};
    std::ofstream(dir + "/m.jsonl") << "{\"prompt\":\"a cat\",\"resolution\":\"1080p\"}\n";
    return {"batch", dir + "/m.jsonl", "--out", out};
}

// Runs akool-image with `args` in the background and sends it `sig` (a number) once a download's
// temporary file shows in `out`; stdout ends with "exit=N", the tool's status as sh reports it.
akool_test::run_result run_signalled_during_a_download(const std::string& out, int sig, std::vector<std::string> args,
                                                       const std::map<std::string, std::string>& env)
{
    std::vector<std::string> sh{"-c",
                                "tool=$0; out=$1; sig=$2; shift 2\n"
                                "\"$tool\" \"$@\" & pid=$!\n"
                                "i=0; part=none\n"
                                "while [ $i -lt 400 ]; do\n"
                                // The temporary file of a hidden .STEM.download (`*` skips a leading
                                // dot), not the output directory's write check's.
                                "  for f in \"$out\"/.*.download.part-*; do\n"
                                "    [ -e \"$f\" ] && part=seen && break 2\n"
                                "  done\n"
                                "  sleep 0.05; i=$((i+1))\n"
                                "done\n"
                                "kill -$sig $pid; wait $pid; echo \"part=$part exit=$?\"",
                                tool_path(), out, std::to_string(sig)};
    sh.insert(sh.end(), args.begin(), args.end());
    auto r = akool_test::run_process("/bin/sh", sh, env, "/dev/null", 60s);
    BOOST_TEST(r.out.find("part=seen") != std::string::npos, "no temporary file showed: " << r.out << r.err);
    return r;
}

} // namespace

// SIGINT or SIGTERM while an image downloads: the temporary file goes, and the command exits
// 128 + the signal saying so (helper-15's audit: the .part file of a killed wait or batch
// stayed, a resumed batch never removed it). A second signal would end it at once.
BOOST_DATA_TEST_CASE(a_signal_during_a_download_leaves_no_temporary_file,
                     bdata::make({"wait", "batch"}) * bdata::make({SIGINT, SIGTERM}), command, sig)
{
    stalling_service svc;
    akool_test::temp_dir work{"akool-cli-signal-"};
    const std::string out = work.path() + "/out";
    const std::vector<std::string> args = one_task_command(command, work.path(), out);
    auto r = run_signalled_during_a_download(out, sig, args,
                                             {{"AKOOL_BASE_URL", svc.base_url()}, {"AKOOL_API_KEY", api_key}});
    BOOST_TEST(!r.timed_out);
    BOOST_TEST(r.out.find("exit=" + std::to_string(128 + sig)) != std::string::npos, r.out << r.err);
    BOOST_TEST(r.err.find(std::string("interrupted by ") + (sig == SIGINT ? "SIGINT" : "SIGTERM")) != std::string::npos,
               r.err);
    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(out)) left.push_back(e.path().filename().string());
    for (const auto& name : left) BOOST_TEST(name.find(".part-") == std::string::npos, name);
    BOOST_TEST(r.err.find(api_key) == std::string::npos);
}

// An image whose URL says .gif but whose bytes are a PNG is saved as .png by wait and batch,
// as generate names it (helper-15's audit: wait --out and batch took the URL's extension),
// and a file of the user's under the URL's name is left alone (helper-44's audit: the image
// was downloaded over it, then moved to .png: the user's .gif was gone).
BOOST_DATA_TEST_CASE(a_saved_image_is_named_by_its_content, bdata::make({"wait", "batch"}), command)
{
    stalling_service svc(0, "a.gif");
    akool_test::temp_dir work{"akool-cli-ext-"};
    const std::string out = work.path() + "/out";
    fs::create_directories(out);
    std::ofstream(out + "/0123456789abcdef01234567.gif") << "the user's own file";
    const std::vector<std::string> args = one_task_command(command, work.path(), out);
    auto r = run_tool(args, {{"AKOOL_BASE_URL", svc.base_url()}, {"AKOOL_API_KEY", api_key}});
    BOOST_TEST(r.exit_code == 0, r.out << r.err);
    BOOST_TEST(fs::exists(out + "/0123456789abcdef01234567.png"));
    std::ifstream mine(out + "/0123456789abcdef01234567.gif");
    const std::string kept((std::istreambuf_iterator<char>(mine)), std::istreambuf_iterator<char>());
    BOOST_TEST(kept == "the user's own file");
    for (const auto& e : fs::directory_iterator(out))  // nothing of the download's own names left
        BOOST_TEST(e.path().filename().string().find(".download") == std::string::npos, e.path());
    BOOST_TEST(r.out.find("0123456789abcdef01234567.png") != std::string::npos, r.out);
    if (std::string(command) == "batch") {
        std::ifstream in(out + "/.akool-batch.jsonl");
        const std::string journal((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        BOOST_TEST(journal.find("0123456789abcdef01234567.png\"") != std::string::npos, journal);
    }
}

// A batch killed (SIGKILL) during a download leaves its temporary file; the next run removes it
// before it starts, and saves the image (helper-15's audit: the .part file stayed for good).
BOOST_AUTO_TEST_CASE(a_resumed_batch_removes_a_killed_runs_temporary_file)
{
    stalling_service svc(1);
    akool_test::temp_dir work{"akool-cli-kill-"};
    const std::string out = work.path() + "/out";
    const std::string manifest = work.path() + "/m.jsonl";
    std::ofstream(manifest) << "{\"prompt\":\"a cat\",\"resolution\":\"1080p\"}\n";
    const std::map<std::string, std::string> env{{"AKOOL_BASE_URL", svc.base_url()}, {"AKOOL_API_KEY", api_key}};
    auto killed = run_signalled_during_a_download(out, SIGKILL, {"batch", manifest, "--out", out}, env);
    BOOST_TEST(killed.out.find("exit=137") != std::string::npos, killed.out << killed.err);
    auto parts = [&] {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(out))
            if (e.path().filename().string().find(".part-") != std::string::npos)
                names.push_back(e.path().filename().string());
        return names;
    };
    BOOST_TEST_REQUIRE(parts().size() == 1u, "the killed run left no temporary file to remove");
    auto r = run_tool({"batch", manifest, "--out", out}, env);
    BOOST_TEST(r.exit_code == 0, r.out << r.err);
    BOOST_TEST(parts().empty());
    BOOST_TEST(fs::exists(out + "/0123456789abcdef01234567.png"));
    BOOST_TEST(r.err.find("the unfinished download of a killed run") != std::string::npos, r.err);
}
