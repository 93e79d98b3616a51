// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// `akool-image webhook decode` as a child process: a body built by the library's builder and
// the openssl-made vectors of test/data/webhook decode to their payload (exit 0, one JSON
// object); a tampered signature, a stale timestamp, a wrong secret and bad input exit 3 with a
// one-line reason; `--max-age 0` accepts an old capture; missing credentials and bad
// arguments exit 2. The client secret never appears in any output.

#define BOOST_TEST_MODULE cli_webhook
#include <boost/test/unit_test.hpp>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include "run_process.hpp"
#include "webhook_vectors.hpp"

#include <akool/webhook.hpp>

#include <boost/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>


namespace bdata = boost::unit_test::data;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string client_id = "CliClientId00016";          // 16 characters
const std::string client_secret = "CliSecretValue0000000024";  // 24 characters

using akool_test::lines_of;
using akool_test::run_result;

std::string tool_path() { return std::string(AKOOL_BIN_DIR) + "/akool-image"; }

std::map<std::string, std::string> creds_env(const std::string& id = client_id, const std::string& secret = client_secret)
{
    return {{"AKOOL_CLIENT_ID", id}, {"AKOOL_CLIENT_SECRET", secret}};
}

/// Runs akool-image with `args`, `input` on stdin (through a file), and exactly the AKOOL_*
/// variables in `env`. Captures stdout, stderr and the exit code; killed after `limit`.
/// Checks that no secret of `env` (nor the test secret) shows in either output.
run_result run_tool(const std::vector<std::string>& args, const std::string& input,
                    const std::map<std::string, std::string>& env, std::chrono::seconds limit = 30s)
{
    static int counter = 0;
    fs::path in_file = fs::temp_directory_path() /
                       ("akool-cli-webhook-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".json");
    {
        std::ofstream f(in_file, std::ios::binary);
        f << input;
    }
    struct remove_file {
        fs::path p;
        ~remove_file()
        {
            std::error_code ignored;
            fs::remove(p, ignored);
        }
    } cleanup{in_file};
    run_result r = akool_test::run_process(tool_path(), args, env, in_file.string(), limit);
    BOOST_TEST(!r.timed_out, "akool-image did not finish within " << limit.count() << " s");
    // Whatever happened, no secret shows.
    std::vector<std::string> secrets{client_secret};
    auto it = env.find("AKOOL_CLIENT_SECRET");
    if (it != env.end() && !it->second.empty()) secrets.push_back(it->second);
    for (const auto& s : secrets) {
        BOOST_TEST(r.out.find(s) == std::string::npos, "secret on stdout: " << r.out);
        BOOST_TEST(r.err.find(s) == std::string::npos, "secret on stderr: " << r.err);
    }
    return r;
}

/// Exit `code`, nothing on stdout, and exactly one line on stderr naming the tool and `what`.
void check_refused(const run_result& r, int code, const std::string& what)
{
    BOOST_TEST(r.exit_code == code, "exit " << r.exit_code << ", stderr: " << r.err);
    BOOST_TEST(r.out.empty(), r.out);
    auto lines = lines_of(r.err);
    BOOST_TEST_REQUIRE(lines.size() == 1u, "stderr is not one line: " << r.err);
    BOOST_TEST(lines[0].rfind("akool-image: ", 0) == 0u, lines[0]);
    BOOST_TEST(lines[0].find(what) != std::string::npos, "'" << what << "' not in: " << lines[0]);
}

/// Exit 0, empty stderr, and stdout one JSON object; returns it.
boost::json::object check_decoded(const run_result& r)
{
    BOOST_TEST_REQUIRE(r.exit_code == 0, "exit " << r.exit_code << ", stderr: " << r.err);
    BOOST_TEST(r.err.empty(), r.err);
    auto lines = lines_of(r.out);
    BOOST_TEST_REQUIRE(lines.size() == 1u, "stdout is not one line: " << r.out);
    boost::json::error_code ec;
    auto v = boost::json::parse(lines[0], ec);
    BOOST_TEST_REQUIRE(!ec, "not JSON: " << lines[0]);
    BOOST_TEST_REQUIRE(v.is_object(), "not an object: " << lines[0]);
    return v.get_object();
}

std::string str(const boost::json::object& o, const char* key)
{
    auto p = o.if_contains(key);
    return p && p->is_string() ? std::string(p->get_string()) : std::string();
}

std::int64_t now_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// A callback made by the library's builder, timestamped `age` ago.
std::string built_body(std::chrono::milliseconds age = 0ms, const std::string& secret = client_secret)
{
    akool::webhook_payload p;
    p.id = "65f8a1b2c3d4e5f601234999";
    p.status = akool::image_status::completed;
    p.type = "image";
    p.url = "https://cdn.example.com/img/built.png";
    return akool::make_webhook_body(p, {client_id, secret}, now_ms() - age.count(), "1529");
}

// --- the openssl-made vectors (test/data/webhook/make_vectors.sh) --------------------------

using vector_case = akool_test::webhook_vector;

const std::vector<vector_case>& vectors() { return akool_test::webhook_vectors(); }

const vector_case& vector_named(const std::string& name)
{
    for (const auto& v : vectors())
        if (v.name == name) return v;
    BOOST_FAIL("no vector " << name);
    return vectors().front();
}

} // namespace

BOOST_AUTO_TEST_SUITE(cli_webhook)

BOOST_AUTO_TEST_CASE(the_vectors_are_there)
{
    BOOST_TEST_REQUIRE(vectors().size() >= 6u);
    for (const auto& v : vectors()) {
        BOOST_TEST(v.client_id.size() == 16u, v.name);
        BOOST_TEST((v.client_secret.size() == 16u || v.client_secret.size() == 24u || v.client_secret.size() == 32u),
                   v.name);
        BOOST_TEST(!v.body.empty(), v.name);
    }
}

BOOST_AUTO_TEST_CASE(a_fresh_body_from_the_builder_decodes)
{
    auto r = run_tool({"webhook", "decode"}, built_body(), creds_env());
    auto o = check_decoded(r);
    BOOST_TEST(str(o, "_id") == "65f8a1b2c3d4e5f601234999");
    BOOST_TEST(o.at("status").as_int64() == 3);
    BOOST_TEST(str(o, "type") == "image");
    BOOST_TEST(str(o, "url") == "https://cdn.example.com/img/built.png");
    BOOST_TEST(o.size() == 4u);
}

// The decoded callback's JSON line escapes what Boost.JSON leaves raw in strings and some
// terminals obey: DEL, C1 controls (U+009B is a CSI), line separators and bidi controls. The
// value read back is the one sent (helper-13's audit: C1 and DEL reached the terminal).
BOOST_AUTO_TEST_CASE(the_json_line_escapes_terminal_controls)
{
    // In the url and the type: an _id is a task id, refused unless [A-Za-z0-9_-].
    akool::webhook_payload p;
    p.id = "65f8a1b2c3d4e5f601234998";
    p.status = akool::image_status::completed;
    p.url = "https://cdn.example.com/a\xc2\x9b" "2Jb\x7f" "c\xe2\x80\xa8" "d\xe2\x80\xae" "e\xc3\xa9.png";
    p.type = "t\xc2\x9b";
    auto r = run_tool({"webhook", "decode"}, akool::make_webhook_body(p, {client_id, client_secret}, now_ms(), "1"),
                      creds_env());
    BOOST_TEST(r.out.find("a\\u009b2Jb\\u007fc\\u2028d\\u202ee\xc3\xa9.png") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("t\\u009b") != std::string::npos, r.out);
    for (const char* raw : {"\xc2\x9b", "\x7f", "\xe2\x80\xa8", "\xe2\x80\xae"})
        BOOST_TEST(r.out.find(raw) == std::string::npos);
    auto o = check_decoded(r);
    BOOST_TEST(str(o, "url") == p.url);
    BOOST_TEST(str(o, "type") == p.type);
}

// A refused body names the field that failed, never the body (helper-16's audit).
BOOST_AUTO_TEST_CASE(a_refused_body_names_the_field)
{
    auto r = run_tool({"webhook", "decode"}, R"({"signature":"s","dataEncrypt":"SECRETDATA","timestamp":1.5,"nonce":"n"})",
                      creds_env());
    BOOST_TEST(r.exit_code == 3, "exit " << r.exit_code << ", stderr: " << r.err);
    BOOST_TEST(r.err.find("timestamp: a float, expected an integer") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("SECRETDATA") == std::string::npos, r.err);
    akool::webhook_payload p;
    p.id = "";
    p.status = akool::image_status::completed;
    r = run_tool({"webhook", "decode"}, akool::make_webhook_body(p, {client_id, client_secret}, now_ms(), "1"),
                 creds_env());
    BOOST_TEST(r.exit_code == 3, "exit " << r.exit_code << ", stderr: " << r.err);
    BOOST_TEST(r.err.find("payload _id: empty") != std::string::npos, r.err);
}

// A decoded callback that cannot be written (stdout on a full device) is a failure: exit 1
// and the reason on stderr, never exit 0 with the callback lost.
BOOST_AUTO_TEST_CASE(a_result_that_cannot_be_written_exits_1)
{
    BOOST_TEST_REQUIRE(fs::exists("/dev/full"));
    static int counter = 0;
    const fs::path in_file =
        fs::temp_directory_path() / ("akool-cli-webhook-full-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    {
        std::ofstream f(in_file, std::ios::binary);
        f << built_body();
    }
    auto r = akool_test::run_process("/bin/sh", {"-c", "exec \"$0\" webhook decode > /dev/full", tool_path()},
                                     creds_env(), in_file.string(), 30s);
    fs::remove(in_file);
    BOOST_TEST(r.exit_code == 1, "exit " << r.exit_code << ", stderr: " << r.err);
    BOOST_TEST(r.err.find("cannot write the result to stdout") != std::string::npos, r.err);
}

// stdin that cannot be read (a directory) is named as such, not called an empty, invalid body.
BOOST_AUTO_TEST_CASE(an_unreadable_stdin_is_named)
{
    auto r = akool_test::run_process("/bin/sh", {"-c", "exec \"$0\" webhook decode < /", tool_path()}, creds_env(),
                                     "/dev/null", 30s);
    BOOST_TEST(r.exit_code == 3, "exit " << r.exit_code << ", stderr: " << r.err);
    BOOST_TEST(r.err.find("cannot read stdin: Is a directory") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("JSON") == std::string::npos, r.err);
}

BOOST_DATA_TEST_CASE(every_openssl_vector_decodes_with_max_age_0, bdata::make(vectors()), v)
{
    auto r = run_tool({"webhook", "decode", "--max-age", "0"}, v.body + "\n", creds_env(v.client_id, v.client_secret));
    auto o = check_decoded(r);
    BOOST_TEST(str(o, "_id") == v.id);
    BOOST_TEST(o.at("status").as_int64() == v.status);
    BOOST_TEST(str(o, "type") == v.type);
    BOOST_TEST(str(o, "url") == v.url);
    BOOST_TEST(o.contains("url") == !v.url.empty());
    BOOST_TEST(r.out.find(v.client_secret) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_old_capture_is_stale_without_max_age_0)
{
    const auto& v = vector_named("completed");  // timestamp from 2024
    auto r = run_tool({"webhook", "decode"}, v.body, creds_env(v.client_id, v.client_secret));
    check_refused(r, 3, "outside the accepted window");
    r = run_tool({"webhook", "decode", "--max-age=0"}, v.body, creds_env(v.client_id, v.client_secret));
    BOOST_TEST(str(check_decoded(r), "_id") == v.id);
}

BOOST_AUTO_TEST_CASE(max_age_sets_the_window)
{
    const std::string body = built_body(10min);
    check_refused(run_tool({"webhook", "decode"}, body, creds_env()), 3, "outside the accepted window");
    check_refused(run_tool({"webhook", "decode", "--max-age", "300"}, body, creds_env()), 3, "window");
    check_decoded(run_tool({"webhook", "decode", "--max-age", "900"}, body, creds_env()));
    check_decoded(run_tool({"webhook", "decode", "--max-age", "0"}, body, creds_env()));
}

BOOST_AUTO_TEST_CASE(a_tampered_signature_exits_3)
{
    const auto& v = vector_named("completed");
    const std::vector<std::pair<std::string, std::map<std::string, std::string>>> cases = {
        {built_body(), creds_env()}, {v.body, creds_env(v.client_id, v.client_secret)}};
    for (const auto& c : cases) {
        std::string bad = c.first;
        auto at = bad.find("\"signature\":\"") + 13;
        bad[at] = bad[at] == '0' ? '1' : '0';
        check_refused(run_tool({"webhook", "decode", "--max-age", "0"}, bad, c.second), 3, "signature does not match");
        check_decoded(run_tool({"webhook", "decode", "--max-age", "0"}, c.first, c.second));  // the original passes
    }
}

BOOST_AUTO_TEST_CASE(a_tampered_ciphertext_exits_3)
{
    // Any edit of dataEncrypt changes the signed content: refused before decryption.
    std::string body = built_body();
    auto at = body.find("\"dataEncrypt\":\"") + 15;
    body[at] = body[at] == 'A' ? 'B' : 'A';
    check_refused(run_tool({"webhook", "decode"}, body, creds_env()), 3, "signature does not match");
}

BOOST_AUTO_TEST_CASE(a_wrong_secret_exits_3)
{
    const std::string wrong = "WrongSecretValue00000024";
    auto r = run_tool({"webhook", "decode"}, built_body(), creds_env(client_id, wrong));
    check_refused(r, 3, "could not be decrypted");
    BOOST_TEST(r.err.find(wrong) == std::string::npos);
    const auto& v = vector_named("completed");
    r = run_tool({"webhook", "decode", "--max-age", "0"}, v.body, creds_env(v.client_id, wrong));
    check_refused(r, 3, "could not be decrypted");
}

BOOST_AUTO_TEST_CASE(a_wrong_client_id_exits_3)
{
    check_refused(run_tool({"webhook", "decode"}, built_body(), creds_env("OtherClientId016")), 3,
                  "signature does not match");
}

BOOST_AUTO_TEST_CASE(bad_input_exits_3)
{
    check_refused(run_tool({"webhook", "decode"}, "", creds_env()), 3, "not valid JSON");
    check_refused(run_tool({"webhook", "decode"}, "not json at all", creds_env()), 3, "not valid JSON");
    check_refused(run_tool({"webhook", "decode"}, R"({"signature":"ab","nonce":"1"})", creds_env()), 3,
                  "lacks a required field");
    // Larger than the 1 MiB the command reads.
    check_refused(run_tool({"webhook", "decode"}, std::string(1100 * 1024, ' '), creds_env()), 3, "larger than");
}

BOOST_AUTO_TEST_CASE(missing_credentials_exit_2)
{
    const std::string body = built_body();
    check_refused(run_tool({"webhook", "decode"}, body, {}), 2, "AKOOL_CLIENT_ID and AKOOL_CLIENT_SECRET");
    check_refused(run_tool({"webhook", "decode"}, body, {{"AKOOL_CLIENT_ID", client_id}}), 2, "no credentials");
    check_refused(run_tool({"webhook", "decode"}, body, {{"AKOOL_CLIENT_SECRET", client_secret}}), 2,
                  "no credentials");
    // A secret AES cannot use: the signature is checked first (it matches), then the sizes.
    check_refused(run_tool({"webhook", "decode"}, body, creds_env(client_id, "short-secret")), 2,
                  "the client secret is 12 bytes; AES-CBC needs 16, 24 or 32");
}

// Akool's 22-character client id: signed bodies are checked, then refused naming the sizes;
// a body signed for another id is a bad signature (exit 3) whatever the sizes.
BOOST_AUTO_TEST_CASE(client_id_of_22_characters)
{
    const std::string id22 = "Xy12Ab34Cd56Ef78Gh90Ij";
    const std::string secret32 = "nmwUjMAK0PJpl0MOiXLOOOwZADm0gkLo";
    // Signature by sha1sum over the sorted strings (see make_vectors.sh), independent of the library.
    const std::string body = R"({"signature":"7d8773595008d43a98e2f7e65cf77de87d00c64e",)"
                             R"("dataEncrypt":"AAAAAAAAAAAAAAAAAAAAAA==","timestamp":1710757981609,"nonce":"1529"})";
    auto r = run_tool({"webhook", "decode", "--max-age", "0"}, body, creds_env(id22, secret32));
    check_refused(r, 2, "the signature matches");
    check_refused(r, 2, "the client id is 22 bytes; as the AES-CBC IV it must be 16");
    BOOST_TEST(r.err.find(secret32) == std::string::npos);
    BOOST_TEST(r.err.find(id22) == std::string::npos);
    r = run_tool({"webhook", "decode", "--max-age", "0"}, body, creds_env("Xy12Ab34Cd56Ef78Gh90Ik", secret32));
    check_refused(r, 3, "signature");
}

BOOST_AUTO_TEST_CASE(bad_arguments_exit_2)
{
    const std::string body = built_body();
    check_refused(run_tool({"webhook"}, body, creds_env()), 2, "decode");
    check_refused(run_tool({"webhook", "encode"}, body, creds_env()), 2, "unknown subcommand");
    check_refused(run_tool({"webhook", "decode", "--max-age"}, body, creds_env()), 2, "needs a value");
    check_refused(run_tool({"webhook", "decode", "--max-age", "-1"}, body, creds_env()), 2, "--max-age");
    check_refused(run_tool({"webhook", "decode", "--max-age", "soon"}, body, creds_env()), 2, "--max-age");
    check_refused(run_tool({"webhook", "decode", "--json"}, body, creds_env()), 2, "unknown option");
}

BOOST_AUTO_TEST_CASE(help_mentions_webhook_decode)
{
    auto r = run_tool({"webhook", "--help"}, "", {});
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(r.out.find("akool-image webhook decode") != std::string::npos);
    BOOST_TEST(r.out.find("AKOOL_CLIENT_SECRET") != std::string::npos);
    r = run_tool({"--help"}, "", {});
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(r.out.find("webhook decode") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
