// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// The emulator over real sockets: the documented replies, validation and auth codes, token issue,
// status progression, the PNG files, every fault kind, the counters, webhooks and TLS.

#define BOOST_TEST_MODULE emulator
#include <boost/test/unit_test.hpp>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include "../../example/emulator/emulator.hpp"
#include "http_test_client.hpp"
#include "localhost.hpp"
#include "test_certs.hpp"

#include <boost/crc.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include <poll.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <filesystem>
#include <regex>
#include <set>
#include <thread>
#include <tuple>

namespace bdata = boost::unit_test::data;
namespace json = boost::json;
namespace emu = akool_emulator;
using akool_test::http_reply;
using akool_test::http_test_client;
using namespace std::chrono_literals;

namespace {

const std::string create_path(emu::paths::create);
const std::string result_path(emu::paths::result);
const std::string token_path(emu::paths::token);
const std::string api_key = "test-key-123";
const std::string client_id = "client-id-0123456";
const std::string client_secret = "client-secret-0123456789";

using headers_t = std::vector<std::pair<std::string, std::string>>;
const headers_t key_header = {{"x-api-key", api_key}};

emu::options test_options()
{
    emu::options o;
    o.api_key = api_key;
    o.client_id = client_id;
    o.client_secret = client_secret;
    o.queue_time = 0ms;
    o.process_time = 0ms;
    o.seed = 42;
    return o;
}

json::object parse_object(const std::string& body)
{
    json::error_code ec;
    json::value v = json::parse(body, ec);
    BOOST_TEST_REQUIRE(!ec, "not JSON: " << body);
    BOOST_TEST_REQUIRE(v.is_object(), "not an object: " << body);
    return v.get_object();
}

bool is_json(const std::string& body)
{
    json::error_code ec;
    json::parse(body, ec);
    return !ec;
}

std::int64_t code_of(const json::object& o) { return o.at("code").as_int64(); }
std::string msg_of(const json::object& o) { return std::string(o.at("msg").as_string()); }

bool is_task_id(const std::string& id)
{
    static const std::regex re("^[0-9a-f]{24}$");
    return std::regex_match(id, re);
}

// The path and query of an absolute URL on the emulator.
std::string target_of(const std::string& url) { return akool_test::split_url(url).target; }

struct fixture {
    emu::server srv{test_options()};
    std::unique_ptr<http_test_client> client;

    fixture()
    {
        srv.start();
        client = std::make_unique<http_test_client>(srv.base_url());
    }

    json::object create(const std::string& body, const headers_t& headers = key_header)
    {
        auto r = client->post(create_path, body, headers);
        BOOST_TEST_REQUIRE(r.status == 200);
        return parse_object(r.body);
    }

    json::object result(const std::string& id)
    {
        auto r = client->get(result_path + "?image_model_id=" + id, key_header);
        BOOST_TEST_REQUIRE(r.status == 200);
        return parse_object(r.body);
    }

    // Polls until the task's status is terminal (generous bound), returning every status seen.
    std::vector<int> poll_until_done(const std::string& id, json::object& last)
    {
        std::vector<int> seen;
        auto deadline = std::chrono::steady_clock::now() + 20s;
        while (std::chrono::steady_clock::now() < deadline) {
            last = result(id);
            BOOST_TEST_REQUIRE(code_of(last) == 1000);
            int st = static_cast<int>(last.at("data").at("image_status").as_int64());
            if (seen.empty() || seen.back() != st) seen.push_back(st);
            if (st == 3 || st == 4) return seen;
            std::this_thread::sleep_for(2ms);
        }
        BOOST_FAIL("task " << id << " did not finish within 20 s");
        return seen;
    }

    std::string create_one(const std::string& body)
    {
        auto o = create(body);
        BOOST_TEST_REQUIRE(code_of(o) == 1000, o);
        return std::string(o.at("data").at("_id").as_string());
    }
};

// --- PNG checking, independent of the emulator's writer --------------------------------------

std::uint32_t be32(const std::string& s, std::size_t at)
{
    return (std::uint32_t(static_cast<unsigned char>(s[at])) << 24) |
           (std::uint32_t(static_cast<unsigned char>(s[at + 1])) << 16) |
           (std::uint32_t(static_cast<unsigned char>(s[at + 2])) << 8) | std::uint32_t(static_cast<unsigned char>(s[at + 3]));
}

// Adler-32 as its definition reads, reduced at every byte: the reference the emulator's is checked against.
std::uint32_t adler32_per_byte(const std::string& data)
{
    std::uint32_t a = 1, b = 0;
    for (unsigned char c : data) {
        a = (a + c) % 65521;
        b = (b + a) % 65521;
    }
    return (b << 16) | a;
}

struct png_info {
    std::uint32_t width = 0, height = 0;
    std::string pixels;  // inflated scanlines
};

// Parses the chunks, checks every CRC, the IHDR, and inflates the stored deflate blocks checking
// LEN/NLEN and the Adler-32. Reports failures as test errors.
png_info check_png(const std::string& png)
{
    png_info info;
    BOOST_TEST_REQUIRE(png.size() > 8u);
    BOOST_TEST_REQUIRE(png.compare(0, 8, std::string("\x89PNG\r\n\x1a\n", 8)) == 0);
    std::size_t pos = 8;
    std::string idat;
    std::vector<std::string> order;
    while (pos + 12 <= png.size()) {
        std::uint32_t len = be32(png, pos);
        BOOST_TEST_REQUIRE(pos + 12 + len <= png.size());
        std::string type = png.substr(pos + 4, 4);
        boost::crc_32_type crc;
        crc.process_bytes(png.data() + pos + 4, 4 + len);
        BOOST_TEST(crc.checksum() == be32(png, pos + 8 + len), "CRC of " << type);
        if (type == "IHDR") {
            BOOST_TEST_REQUIRE(len == 13u);
            info.width = be32(png, pos + 8);
            info.height = be32(png, pos + 12);
            BOOST_TEST(int(png[pos + 16]) == 8);  // bit depth
            BOOST_TEST(int(png[pos + 17]) == 2);  // truecolour
        } else if (type == "IDAT") {
            idat += png.substr(pos + 8, len);
        }
        order.push_back(type);
        pos += 12 + len;
    }
    BOOST_TEST(pos == png.size());
    BOOST_TEST_REQUIRE(order.size() >= 3u);
    BOOST_TEST(order.front() == "IHDR");
    BOOST_TEST(order.back() == "IEND");

    BOOST_TEST_REQUIRE(idat.size() >= 6u);
    BOOST_TEST((static_cast<unsigned char>(idat[0]) & 0x0F) == 8);  // deflate
    BOOST_TEST(((static_cast<unsigned char>(idat[0]) << 8) | static_cast<unsigned char>(idat[1])) % 31 == 0);
    std::size_t p = 2;
    bool final_block = false;
    while (!final_block) {
        BOOST_TEST_REQUIRE(p + 5 <= idat.size());
        auto hdr = static_cast<unsigned char>(idat[p]);
        final_block = hdr & 1;
        BOOST_TEST_REQUIRE(((hdr >> 1) & 3) == 0);  // stored
        unsigned len = static_cast<unsigned char>(idat[p + 1]) | (static_cast<unsigned char>(idat[p + 2]) << 8);
        unsigned nlen = static_cast<unsigned char>(idat[p + 3]) | (static_cast<unsigned char>(idat[p + 4]) << 8);
        BOOST_TEST_REQUIRE((len ^ 0xFFFFu) == nlen);
        BOOST_TEST_REQUIRE(p + 5 + len <= idat.size());
        info.pixels += idat.substr(p + 5, len);
        p += 5 + len;
    }
    BOOST_TEST_REQUIRE(p + 4 == idat.size());
    BOOST_TEST(adler32_per_byte(info.pixels) == be32(idat, p));
    BOOST_TEST(info.pixels.size() == std::size_t(info.width) * info.height * 3 + info.height);
    return info;
}

// --- the akool-emulator program ---------------------------------------------------------------

std::string emulator_program()
{
    std::string dir;
    if (const char* env = std::getenv("AKOOL_BIN_DIR"); env && *env) dir = env;
#ifdef AKOOL_BIN_DIR
    if (dir.empty()) dir = AKOOL_BIN_DIR;
#endif
    std::filesystem::path p = std::filesystem::path(dir) / "akool-emulator";
    return std::filesystem::exists(p) ? p.string() : std::string();
}

// A running akool-emulator with its stdout on a pipe. Kills it (SIGKILL) if still running at the end.
struct program {
    pid_t pid = -1;
    int out = -1;

    explicit program(const std::string& exe, std::vector<std::string> args)
    {
        int fds[2];
        BOOST_TEST_REQUIRE(::pipe(fds) == 0);
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>(exe.c_str()));
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        pid = ::fork();
        BOOST_TEST_REQUIRE(pid >= 0);
        if (pid == 0) {
            ::dup2(fds[1], 1);
            ::close(fds[0]);
            ::close(fds[1]);
            ::execv(exe.c_str(), argv.data());
            ::_exit(127);
        }
        ::close(fds[1]);
        out = fds[0];
    }

    ~program()
    {
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
        if (out >= 0) ::close(out);
    }

    // The first line of stdout (empty on EOF or after 20 s).
    std::string first_line()
    {
        std::string line;
        auto deadline = std::chrono::steady_clock::now() + 20s;
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd p{out, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            char c;
            if (::read(out, &c, 1) != 1) break;
            if (c == '\n') break;
            line += c;
        }
        return line;
    }

    // Sends `sig` and returns the exit status (-1 when it did not exit normally within 20 s).
    int stop_with(int sig)
    {
        ::kill(pid, sig);
        auto deadline = std::chrono::steady_clock::now() + 20s;
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            pid_t r = ::waitpid(pid, &status, WNOHANG);
            if (r == pid) {
                pid = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            }
            std::this_thread::sleep_for(5ms);
        }
        return -1;
    }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(emulator, fixture)

// --- create -----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(create_single_answers_like_the_documented_example)
{
    auto o = create(R"({"prompt":"A majestic mountain landscape at sunset with golden light",)"
                    R"("scale":"16:9","resolution":"4k","batch_quantity":1})");
    BOOST_TEST(code_of(o) == 1000);
    BOOST_TEST(msg_of(o) == "OK");
    BOOST_TEST_REQUIRE(o.at("data").is_object());
    const auto& d = o.at("data").as_object();
    BOOST_TEST(is_task_id(std::string(d.at("_id").as_string())));
    BOOST_TEST(d.at("image_status").as_int64() == 1);
    BOOST_TEST(d.at("sub_type").as_int64() == 40001);
    BOOST_TEST(d.at("model_name").as_string() == "wavespeed-ai/flux-krea-dev-lora");
    BOOST_TEST(d.at("prompt").as_string() == "A majestic mountain landscape at sunset with golden light");
    BOOST_TEST(d.at("type").as_int64() == 4);
    BOOST_TEST(d.at("from").as_int64() == 4);
    BOOST_TEST(d.at("deduction_credit").as_int64() == 1);
    BOOST_TEST(d.at("create_time").as_int64() > 1700000000000);

    auto s = srv.get_stats();
    BOOST_TEST(s.creates_processed == 1u);
    BOOST_TEST(s.tasks_created == 1u);
    BOOST_TEST(s.requests_on(create_path) == 1u);
}

BOOST_AUTO_TEST_CASE(create_batch_answers_an_array_of_distinct_ids)
{
    auto o = create(R"({"prompt":"four cats","batch_quantity":4})");
    BOOST_TEST_REQUIRE(code_of(o) == 1000);
    BOOST_TEST_REQUIRE(o.at("data").is_array());
    const auto& arr = o.at("data").as_array();
    BOOST_TEST_REQUIRE(arr.size() == 4u);
    std::set<std::string> ids;
    for (const auto& t : arr) {
        std::string id(t.at("_id").as_string());
        BOOST_TEST(is_task_id(id));
        ids.insert(id);
        BOOST_TEST(t.at("image_status").as_int64() == 1);
    }
    BOOST_TEST(ids.size() == 4u);
    BOOST_TEST(srv.get_stats().tasks_created == 4u);
    BOOST_TEST(srv.get_stats().creates_processed == 1u);
}

// (body, sub_type, model)
BOOST_DATA_TEST_CASE(create_picks_sub_type_and_model_as_documented,
                     bdata::make({std::string(R"({"prompt":"p"})"),
                                  std::string(R"({"prompt":"p","source_images":["https://example.com/a.jpg"]})"),
                                  std::string(R"({"prompt":"p","model_name":"wavespeed-ai/flux-kontext-dev",)"
                                              R"("source_images":["https://example.com/a.jpg"],"similar":0.7})"),
                                  std::string(R"({"prompt":"p","model_name":"wavespeed-ai/flux-krea-dev-lora"})")}) ^
                         bdata::make({40001, 40002, 40002, 40001}) ^
                         bdata::make({std::string("wavespeed-ai/flux-krea-dev-lora"),
                                      std::string("wavespeed-ai/flux-kontext-dev"),
                                      std::string("wavespeed-ai/flux-kontext-dev"),
                                      std::string("wavespeed-ai/flux-krea-dev-lora")}),
                     body, sub_type, model)
{
    auto o = create(body);
    BOOST_TEST_REQUIRE(code_of(o) == 1000, o);
    const auto& d = o.at("data").as_object();
    BOOST_TEST(d.at("sub_type").as_int64() == sub_type);
    BOOST_TEST(d.at("model_name").as_string() == model);
    if (sub_type == 40002) BOOST_TEST(d.at("source_image").as_string() == "https://example.com/a.jpg");
}

BOOST_DATA_TEST_CASE(invalid_bodies_get_1003_naming_the_field,
                     bdata::make({std::string(R"({"prompt":"p","batch_quantity":5})"),
                                  std::string(R"({"prompt":"p","scale":"5:4"})"),
                                  std::string(R"({"scale":"1:1"})"),
                                  std::string(R"(this is not JSON)"),
                                  std::string(R"({"prompt":42})"),
                                  std::string(R"({"prompt":"p","resolution":"8k"})"),
                                  std::string(R"({"prompt":"p","source_images":["https://e.com/a.png"],"similar":2})"),
                                  std::string(R"({"prompt":"p","scale":"Original"})")}) ^
                         bdata::make({"batch_quantity", "scale", "prompt", "body", "prompt", "resolution", "similar",
                                      "scale"}),
                     body, field)
{
    auto r = client->post(create_path, body, key_header);
    BOOST_TEST(r.status == 200);  // the service answers business errors with HTTP 200
    auto o = parse_object(r.body);
    BOOST_TEST(code_of(o) == 1003);
    std::string msg = msg_of(o);
    BOOST_TEST(msg.rfind(std::string(field) + ":", 0) == 0u, "message '" << msg << "' should name " << field);
    BOOST_TEST(srv.get_stats().creates_processed == 0u);
    BOOST_TEST(srv.get_stats().tasks_created == 0u);
}

// --- auth -------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(auth_codes)
{
    const std::string body = R"({"prompt":"p"})";
    BOOST_TEST(code_of(create(body, {})) == 1102);
    BOOST_TEST(code_of(create(body, {{"x-api-key", ""}})) == 1102);
    BOOST_TEST(code_of(create(body, {{"x-api-key", "wrong"}})) == 1101);
    BOOST_TEST(code_of(create(body, {{"Authorization", "Bearer not-issued"}})) == 1101);
    BOOST_TEST(code_of(create(body, {{"Authorization", "Basic abc"}, {"x-api-key", api_key}})) == 1101);
    BOOST_TEST(code_of(create(body, key_header)) == 1000);
    // Auth applies to get-result too.
    auto r = client->get(result_path + "?image_model_id=0123456789abcdef01234567");
    BOOST_TEST(code_of(parse_object(r.body)) == 1102);
    BOOST_TEST(srv.get_stats().creates_processed == 1u);
}

BOOST_AUTO_TEST_CASE(any_key_is_accepted_without_a_configured_key)
{
    emu::options o = test_options();
    o.api_key.clear();
    emu::server open(o);
    open.start();
    http_test_client c(open.base_url());
    auto r = c.post(create_path, R"({"prompt":"p"})", {{"x-api-key", "whatever"}});
    BOOST_TEST(code_of(parse_object(r.body)) == 1000);
    r = c.post(create_path, R"({"prompt":"p"})");
    BOOST_TEST(code_of(parse_object(r.body)) == 1102);
}

BOOST_AUTO_TEST_CASE(get_token_and_bearer)
{
    auto bad = parse_object(
        client->post(token_path, R"({"clientId":")" + client_id + R"(","clientSecret":"nope"})").body);
    BOOST_TEST(code_of(bad) == 1101);
    auto missing = parse_object(client->post(token_path, R"({"clientId":")" + client_id + R"("})").body);
    BOOST_TEST(code_of(missing) == 1003);
    BOOST_TEST(msg_of(missing).rfind("clientSecret", 0) == 0u);

    auto ok = parse_object(
        client->post(token_path, R"({"clientId":")" + client_id + R"(","clientSecret":")" + client_secret + R"("})")
            .body);
    BOOST_TEST_REQUIRE(code_of(ok) == 1000);
    std::string token(ok.at("token").as_string());
    BOOST_TEST(!token.empty());
    BOOST_TEST(srv.get_stats().tokens_issued == 1u);

    // Bearer works and takes precedence over a wrong x-api-key.
    BOOST_TEST(code_of(create(R"({"prompt":"p"})", {{"Authorization", "Bearer " + token}})) == 1000);
    BOOST_TEST(code_of(create(R"({"prompt":"p"})", {{"Authorization", "Bearer " + token}, {"x-api-key", "wrong"}})) ==
               1000);
    // A wrong bearer is not rescued by a right x-api-key.
    BOOST_TEST(code_of(create(R"({"prompt":"p"})", {{"Authorization", "Bearer x" + token}, {"x-api-key", api_key}})) ==
               1101);
}

BOOST_AUTO_TEST_CASE(tokens_expire)
{
    emu::options o = test_options();
    o.token_ttl = 50ms;
    emu::server s(o);
    s.start();
    http_test_client c(s.base_url());
    auto ok = parse_object(
        c.post(token_path, R"({"clientId":")" + client_id + R"(","clientSecret":")" + client_secret + R"("})").body);
    BOOST_TEST_REQUIRE(code_of(ok) == 1000);
    const headers_t bearer = {{"Authorization", "Bearer " + std::string(ok.at("token").as_string())}};
    // Accepted until the TTL passes, then 1101; poll with a generous bound.
    auto deadline = std::chrono::steady_clock::now() + 20s;
    json::object last;
    do {
        last = parse_object(c.post(create_path, R"({"prompt":"p"})", bearer).body);
        if (code_of(last) != 1000) break;
        std::this_thread::sleep_for(5ms);
    } while (std::chrono::steady_clock::now() < deadline);
    BOOST_TEST(code_of(last) == 1101);
    BOOST_TEST(msg_of(last).find("expired") != std::string::npos);
}

// options::max_tasks bounds the other records a long run piles up as well: tokens, and the keys
// of the counters per body, per Idempotency-Key and per path (the documented paths stay).
BOOST_AUTO_TEST_CASE(max_tasks_bounds_tokens_and_counters)
{
    emu::options o = test_options();
    o.max_tasks = 2;
    emu::server s(o);
    s.start();
    http_test_client c(s.base_url());
    std::vector<std::string> tokens;
    for (int i = 0; i < 3; ++i) {
        auto ok = parse_object(
            c.post(token_path, R"({"clientId":")" + client_id + R"(","clientSecret":")" + client_secret + R"("})")
                .body);
        BOOST_TEST_REQUIRE(code_of(ok) == 1000);
        tokens.push_back(std::string(ok.at("token").as_string()));
    }
    auto with_token = [&](const std::string& t, const std::string& body) {
        return code_of(parse_object(c.post(create_path, body, {{"Authorization", "Bearer " + t}}).body));
    };
    BOOST_TEST(with_token(tokens[0], R"({"prompt":"a"})") == 1101);  // the oldest: forgotten
    BOOST_TEST(with_token(tokens[1], R"({"prompt":"b"})") == 1000);
    BOOST_TEST(with_token(tokens[2], R"({"prompt":"c"})") == 1000);
    BOOST_TEST(with_token(tokens[2], R"({"prompt":"c"})") == 1000);  // a duplicate: counted twice

    for (const char* k : {"k1", "k2", "k3"})
        BOOST_TEST(code_of(parse_object(
                       c.post(create_path, R"({"prompt":"d"})", {{"x-api-key", api_key}, {"Idempotency-Key", k}})
                           .body)) == 1000);
    for (int i = 0; i < 3; ++i) BOOST_TEST(c.get("/files/missing-" + std::to_string(i) + ".png").status == 404);

    auto st = s.get_stats();
    BOOST_TEST(st.tokens_issued == 3u);
    // Bodies "b", "c" (twice) then "d" (three times): the newest two are kept, "d" counted 3.
    BOOST_TEST(st.creates_by_body.size() == 2u);
    BOOST_TEST(st.max_creates_per_body() == 3u);
    BOOST_TEST(st.creates_by_idempotency_key.size() == 2u);
    BOOST_TEST(st.creates_by_idempotency_key.count("k1") == 0u);
    BOOST_TEST(st.creates_by_idempotency_key.at("k3") == 1u);
    // The documented paths are kept with their full counts; of the three image paths the newest two.
    BOOST_TEST(st.requests_on(create_path) == 7u);
    BOOST_TEST(st.requests_on(token_path) == 3u);
    BOOST_TEST(st.requests_on("/files/missing-0.png") == 0u);
    BOOST_TEST(st.requests_on("/files/missing-2.png") == 1u);
    BOOST_TEST(st.requests_by_path.size() == 4u);
}

// --- get result -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(status_follows_the_configured_timings)
{
    srv.set_timings(1h, 0ms);
    std::string queued = create_one(R"({"prompt":"p"})");
    srv.set_timings(0ms, 1h);
    std::string processing = create_one(R"({"prompt":"p"})");
    srv.set_timings(0ms, 0ms);
    std::string done = create_one(R"({"prompt":"p"})");

    auto q = result(queued).at("data").as_object();
    BOOST_TEST(q.at("image_status").as_int64() == 1);
    BOOST_TEST(!q.contains("image"));
    BOOST_TEST(q.at("_id").as_string() == queued);
    auto p = result(processing).at("data").as_object();
    BOOST_TEST(p.at("image_status").as_int64() == 2);
    BOOST_TEST(!p.contains("image"));
    auto d = result(done).at("data").as_object();
    BOOST_TEST(d.at("image_status").as_int64() == 3);
    BOOST_TEST_REQUIRE(d.contains("image"));
    BOOST_TEST(std::string(d.at("image").as_string()) == srv.base_url() + "/files/" + done + ".png");
    // No image before completion.
    BOOST_TEST(client->get("/files/" + queued + ".png").status == 404);
}

BOOST_AUTO_TEST_CASE(status_progresses_to_completed_when_polled)
{
    srv.set_timings(30ms, 60ms);
    std::string id = create_one(R"({"prompt":"progress"})");
    json::object last;
    auto seen = poll_until_done(id, last);
    BOOST_TEST(std::is_sorted(seen.begin(), seen.end()));
    BOOST_TEST(seen.back() == 3);
    BOOST_TEST(last.at("data").as_object().contains("image"));
}

BOOST_AUTO_TEST_CASE(unknown_task_id_is_an_error)
{
    auto o = result("0123456789abcdef01234567");
    BOOST_TEST(code_of(o) == 1003);
    BOOST_TEST(msg_of(o).rfind("image_model_id", 0) == 0u);
    auto r = client->get(result_path, key_header);
    BOOST_TEST(code_of(parse_object(r.body)) == 1003);
}

// --- PNG --------------------------------------------------------------------------------------

BOOST_DATA_TEST_CASE(png_size_follows_scale_and_resolution,
                     bdata::make({"1:1", "16:9", "9:16", "3:2", "4:3", "2:3", "3:4", "1:1"}) ^
                         bdata::make({"4k", "4k", "1080p", "1080p", "4k", "4k", "1080p", "1080p"}) ^
                         bdata::make({384u, 384u, 108u, 192u, 384u, 256u, 144u, 192u}) ^
                         bdata::make({384u, 216u, 192u, 128u, 288u, 384u, 192u, 192u}),
                     scale, resolution, width, height)
{
    std::string id = create_one(std::string(R"({"prompt":"size test","scale":")") + scale + R"(","resolution":")" +
                                  resolution + R"("})");
    json::object last;
    poll_until_done(id, last);
    std::string url(last.at("data").at("image").as_string());
    auto r = client->get(target_of(url));
    BOOST_TEST_REQUIRE(r.status == 200);
    BOOST_TEST(r.header("Content-Type") == "image/png");
    auto info = check_png(r.body);
    BOOST_TEST(info.width == width);
    BOOST_TEST(info.height == height);
    BOOST_TEST(srv.get_stats().images_served == 1u);
}

BOOST_AUTO_TEST_CASE(png_default_size_and_scale_down_option)
{
    // Defaults: 1:1, 4k.
    std::string id = create_one(R"({"prompt":"defaults"})");
    auto info = check_png(client->get("/files/" + id + ".png").body);
    BOOST_TEST(info.width == 384u);
    BOOST_TEST(info.height == 384u);

    emu::options o = test_options();
    o.image_scale_down = 40;
    emu::server s(o);
    s.start();
    http_test_client c(s.base_url());
    auto created = parse_object(c.post(create_path, R"({"prompt":"p","scale":"16:9"})", key_header).body);
    std::string id2(created.at("data").at("_id").as_string());
    auto small = check_png(c.get("/files/" + id2 + ".png").body);
    BOOST_TEST(small.width == 96u);
    BOOST_TEST(small.height == 54u);
}

BOOST_AUTO_TEST_CASE(pngs_are_deterministic_and_differ_within_a_batch)
{
    auto a = create(R"({"prompt":"same prompt","batch_quantity":2,"resolution":"1080p"})");
    auto b = create(R"({"prompt":"same prompt","resolution":"1080p"})");
    const auto& arr = a.at("data").as_array();
    std::string first = client->get("/files/" + std::string(arr[0].at("_id").as_string()) + ".png").body;
    std::string second = client->get("/files/" + std::string(arr[1].at("_id").as_string()) + ".png").body;
    std::string again = client->get("/files/" + std::string(b.at("data").at("_id").as_string()) + ".png").body;
    check_png(first);
    check_png(second);
    BOOST_TEST(first != second);
    BOOST_TEST(first == again);  // same prompt, same index: same picture
    auto other = create(R"({"prompt":"another prompt","resolution":"1080p"})");
    BOOST_TEST(client->get("/files/" + std::string(other.at("data").at("_id").as_string()) + ".png").body != first);
    BOOST_TEST(client->get("/files/nope.png").status == 404);
}

// The emulator keeps only the last 8 pictures it rendered (a 4k one is 25 MB): it used to keep
// every task's, growing by 100 MB per batch of four at 4k for as long as it ran. An older
// picture is rendered again, with the same bytes.
BOOST_AUTO_TEST_CASE(only_the_last_eight_pictures_are_kept)
{
    std::vector<std::string> ids, first;
    for (int i = 0; i < 10; ++i) {
        ids.push_back(create_one(R"({"prompt":"kept or not","resolution":"1080p"})"));
        first.push_back(client->get("/files/" + ids.back() + ".png").body);
        check_png(first.back());
    }
    BOOST_TEST(srv.get_stats().images_rendered == 10u);
    // The last 8 are served from memory; the first two were dropped and are rendered again.
    for (int i = 9; i >= 0; --i) BOOST_TEST(client->get("/files/" + ids[i] + ".png").body == first[i], i);
    BOOST_TEST(srv.get_stats().images_rendered == 12u);
    BOOST_TEST(srv.get_stats().images_served == 20u);
}

BOOST_AUTO_TEST_CASE(png_writer_rejects_inconsistent_sizes)
{
    BOOST_TEST(emu::encode_png_rgb(0, 1, {}).empty());
    BOOST_TEST(emu::encode_png_rgb(2, 2, std::vector<unsigned char>(11)).empty());
    BOOST_TEST(emu::encode_png_scanlines(2, 2, std::vector<unsigned char>(13)).empty());
    BOOST_TEST(emu::encode_png_scanlines(0, 1, std::vector<unsigned char>(1)).empty());
    auto one = emu::encode_png_rgb(1, 1, {255, 0, 0});
    auto info = check_png(one);
    BOOST_TEST(info.pixels == std::string("\0\xff\0\0", 4));
}

// The picture make_picture_png draws, pixel by pixel as picture_plan describes it: a diagonal
// gradient from c0 to c1, then four circles in order. The emulator draws it by rows (a looked-up
// gradient, one run per circle and row); this is the plain form it must agree with.
std::string reference_scanlines(std::uint64_t seed, std::uint32_t width, std::uint32_t height)
{
    const emu::picture_plan plan = emu::plan_picture(seed, width, height);
    const std::uint64_t span = std::uint64_t(width) + height;
    std::string out;
    for (std::uint32_t y = 0; y < height; ++y) {
        out.push_back('\0');  // filter type 0
        for (std::uint32_t x = 0; x < width; ++x) {
            unsigned char p[3];
            for (int i = 0; i < 3; ++i)
                p[i] = static_cast<unsigned char>((plan.c0[i] * (span - (x + y)) + plan.c1[i] * (x + y)) / span);
            for (const auto& c : plan.circles) {
                const long dx = static_cast<long>(x) - c.cx, dy = static_cast<long>(y) - c.cy;
                if (dx * dx + dy * dy <= c.r * c.r) std::copy_n(c.c, 3, p);
            }
            out.append(reinterpret_cast<const char*>(p), 3);
        }
    }
    return out;
}

// 171 x 255: the scanlines (514 bytes a row) fill exactly two stored deflate blocks.
BOOST_DATA_TEST_CASE(pictures_are_the_described_drawing,
                     bdata::make({1u, 2u, 7u, 192u, 384u, 1000u, 171u, 171u}) ^
                         bdata::make({1u, 3u, 5u, 108u, 216u, 17u, 85u, 255u}),
                     width, height)
{
    for (std::uint64_t seed : {0ull, 42ull, 0xdeadbeefull}) {
        auto info = check_png(emu::make_picture_png(seed, width, height));
        BOOST_TEST(info.width == width);
        BOOST_TEST(info.height == height);
        BOOST_TEST((info.pixels == reference_scanlines(seed, width, height)), "seed " << seed);
    }
}

BOOST_AUTO_TEST_CASE(checksums_match_their_check_values)
{
    // The standard check values, then long inputs against boost::crc and a per-byte Adler-32:
    // the emulator computes CRC-32 eight bytes a step and reduces Adler-32 once per 5552 bytes.
    const std::string digits = "123456789";
    auto bytes = [](const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); };
    BOOST_TEST(emu::crc32(bytes(digits), digits.size()) == 0xCBF43926u);
    BOOST_TEST(emu::adler32(bytes(std::string("Wikipedia")), 9) == 0x11E60398u);
    std::string data;
    std::uint64_t s = 1;
    for (int i = 0; i < 100003; ++i) data.push_back(static_cast<char>((s = emu::splitmix64(s)) & 0xFFu));
    boost::crc_32_type crc;
    crc.process_bytes(data.data(), data.size());
    BOOST_TEST(emu::crc32(bytes(data), data.size()) == crc.checksum());
    // Continued from a first part of an odd size: the same as in one go.
    BOOST_TEST(emu::crc32(bytes(data) + 1001, data.size() - 1001, emu::crc32(bytes(data), 1001)) == crc.checksum());
    BOOST_TEST(emu::adler32(bytes(data), data.size()) == adler32_per_byte(data));
    std::string ones(100000, '\xff');  // the largest sums: no overflow between reductions
    BOOST_TEST(emu::adler32(bytes(ones), ones.size()) == adler32_per_byte(ones));
}

// --- faults -----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(fault_429_has_retry_after_and_is_not_processed)
{
    emu::fault_plan plan;
    plan.retry_after = 7s;
    srv.set_faults(plan);
    srv.fail_next(emu::fault_kind::http_429);
    auto r = client->post(create_path, R"({"prompt":"p"})", key_header);
    BOOST_TEST(r.status == 429);
    BOOST_TEST(r.header("Retry-After") == "7");
    BOOST_TEST(srv.get_stats().creates_processed == 0u);
    BOOST_TEST(srv.get_stats().faults(emu::fault_kind::http_429) == 1u);
    // Only the next one: the retry goes through.
    BOOST_TEST(code_of(create(R"({"prompt":"p"})")) == 1000);
    BOOST_TEST(srv.get_stats().creates_processed == 1u);
}

BOOST_DATA_TEST_CASE(fault_5xx_has_a_non_json_body,
                     bdata::make({emu::fault_kind::http_500, emu::fault_kind::http_502, emu::fault_kind::http_503}) ^
                         bdata::make({500, 502, 503}),
                     kind, status)
{
    srv.fail_next(kind);
    auto r = client->post(create_path, R"({"prompt":"p"})", key_header);
    BOOST_TEST(r.status == status);
    BOOST_TEST(!is_json(r.body));
    BOOST_TEST(r.header("Content-Type").find("json") == std::string::npos);
    BOOST_TEST(r.header("Retry-After").empty() == (status != 503));
    BOOST_TEST(srv.get_stats().creates_processed == 0u);
    BOOST_TEST(srv.get_stats().faults(kind) == 1u);
}

BOOST_AUTO_TEST_CASE(fault_drop_before_closes_without_processing)
{
    srv.fail_next(emu::fault_kind::drop_before);
    boost::system::error_code ec;
    auto r = client->request(akool_test::http::verb::post, create_path, R"({"prompt":"p"})", key_header, ec);
    BOOST_TEST(ec.failed(), "expected a closed connection, got HTTP " << r.status);
    BOOST_TEST(r.status == 0);
    BOOST_TEST(srv.get_stats().creates_processed == 0u);
    BOOST_TEST(srv.get_stats().tasks_created == 0u);
    BOOST_TEST(srv.get_stats().faults(emu::fault_kind::drop_before) == 1u);
    BOOST_TEST(code_of(create(R"({"prompt":"p"})")) == 1000);  // reconnects
}

BOOST_AUTO_TEST_CASE(fault_drop_after_counts_the_create)
{
    srv.fail_next(emu::fault_kind::drop_after);
    boost::system::error_code ec;
    auto r = client->request(akool_test::http::verb::post, create_path, R"({"prompt":"dropped after"})", key_header,
                             ec);
    BOOST_TEST(ec.failed(), "expected a closed connection, got HTTP " << r.status);
    auto s = srv.get_stats();
    BOOST_TEST(s.creates_processed == 1u);
    BOOST_TEST(s.tasks_created == 1u);
    BOOST_TEST(s.faults(emu::fault_kind::drop_after) == 1u);
    // A blind retry creates a second task: the counters show it.
    BOOST_TEST(code_of(create(R"({"prompt":"dropped after"})")) == 1000);
    BOOST_TEST(srv.get_stats().max_creates_per_body() == 2u);
}

BOOST_AUTO_TEST_CASE(fault_malformed_json)
{
    srv.fail_next(emu::fault_kind::malformed_json);
    auto r = client->post(create_path, R"({"prompt":"p"})", key_header);
    BOOST_TEST(r.status == 200);
    BOOST_TEST(!r.body.empty());
    BOOST_TEST(!is_json(r.body));
    BOOST_TEST(srv.get_stats().creates_processed == 1u);
}

BOOST_AUTO_TEST_CASE(fault_generation_failed)
{
    srv.fail_next(emu::fault_kind::fail_generation, 1);
    auto o = create(R"({"prompt":"p","batch_quantity":2})");
    const auto& arr = o.at("data").as_array();
    json::object last;
    auto seen = poll_until_done(std::string(arr[0].at("_id").as_string()), last);
    BOOST_TEST(seen.back() == 4);
    BOOST_TEST(!last.at("data").as_object().contains("image"));
    BOOST_TEST(client->get("/files/" + std::string(arr[0].at("_id").as_string()) + ".png").status == 404);
    seen = poll_until_done(std::string(arr[1].at("_id").as_string()), last);
    BOOST_TEST(seen.back() == 3);
    BOOST_TEST(srv.get_stats().faults(emu::fault_kind::fail_generation) == 1u);
}

BOOST_AUTO_TEST_CASE(fault_latency_delays_the_reply)
{
    emu::fault_plan plan;
    plan.latency = 150ms;
    srv.set_faults(plan);
    auto t0 = std::chrono::steady_clock::now();
    BOOST_TEST(code_of(create(R"({"prompt":"p"})")) == 1000);
    BOOST_TEST((std::chrono::steady_clock::now() - t0 >= 150ms));  // a lower bound: a timer never fires early
    srv.clear_faults();
    BOOST_TEST(srv.faults().latency.count() == 0);
}

BOOST_AUTO_TEST_CASE(fault_next_respects_the_path_prefix)
{
    srv.fail_next(emu::fault_kind::http_503, 1, create_path);
    BOOST_TEST(code_of(result("0123456789abcdef01234567")) == 1003);  // not the create path
    BOOST_TEST(client->post(create_path, R"({"prompt":"p"})", key_header).status == 503);
    // Downloads can be faulted too.
    std::string id = create_one(R"({"prompt":"p"})");
    srv.fail_next(emu::fault_kind::http_502, 1, "/files/");
    BOOST_TEST(client->get("/files/" + id + ".png").status == 502);
    BOOST_TEST(client->get("/files/" + id + ".png").status == 200);
}

BOOST_AUTO_TEST_CASE(fault_rates)
{
    emu::fault_plan all;
    all.http_429_rate = 1.0;
    srv.set_faults(all);
    for (int i = 0; i < 5; ++i) BOOST_TEST(client->post(create_path, R"({"prompt":"p"})", key_header).status == 429);
    BOOST_TEST(srv.get_stats().creates_processed == 0u);

    // Spread over 429/5xx/drops: every request either fails in one of those ways or succeeds once.
    srv.set_faults(emu::fault_plan::spread(0.6));
    srv.reset_stats();
    int ok = 0, http_fail = 0, dropped = 0;
    for (int i = 0; i < 60; ++i) {
        boost::system::error_code ec;
        auto r = client->request(akool_test::http::verb::post, create_path,
                                 R"({"prompt":"p)" + std::to_string(i) + R"("})", key_header, ec);
        if (ec)
            ++dropped;
        else if (r.status == 200 && code_of(parse_object(r.body)) == 1000)
            ++ok;
        else
            ++http_fail;
    }
    auto s = srv.get_stats();
    BOOST_TEST(ok + http_fail + dropped == 60);
    BOOST_TEST(ok > 0);
    BOOST_TEST(http_fail > 0);
    BOOST_TEST(dropped > 0);
    std::uint64_t injected = 0;
    for (const auto& kv : s.faults_injected) injected += kv.second;
    BOOST_TEST(injected == std::uint64_t(http_fail + dropped));
    BOOST_TEST(s.creates_processed == std::uint64_t(ok) + s.faults(emu::fault_kind::drop_after));
    BOOST_TEST(s.max_creates_per_body() == 1u);

    srv.set_faults({});
    BOOST_TEST(code_of(create(R"({"prompt":"p"})")) == 1000);
}

// --- stats, limits, webhooks, lifecycle ------------------------------------------------------

BOOST_AUTO_TEST_CASE(stats_endpoint)
{
    create(R"({"prompt":"a","batch_quantity":3})");
    create(R"({"prompt":"a","batch_quantity":3})", {{"x-api-key", api_key}, {"Idempotency-Key", "k1"}});
    auto r = client->get(std::string(emu::paths::stats));
    BOOST_TEST_REQUIRE(r.status == 200);
    auto o = parse_object(r.body);
    BOOST_TEST(o.at("creates_processed").as_int64() == 2);
    BOOST_TEST(o.at("tasks_created").as_int64() == 6);
    BOOST_TEST(o.at("max_creates_per_body").as_int64() == 2);
    BOOST_TEST(o.at("requests_by_path").at(create_path).as_int64() == 2);
    BOOST_TEST(o.at("creates_by_idempotency_key").at("k1").as_int64() == 1);
    BOOST_TEST(srv.get_stats().connections >= 1u);
}

BOOST_AUTO_TEST_CASE(oversized_body_gets_413)
{
    std::string huge = R"({"prompt":")" + std::string(2 * 1024 * 1024, 'a') + R"("})";
    boost::system::error_code ec;
    auto r = client->request(akool_test::http::verb::post, create_path, huge, key_header, ec);
    // The server answers 413 and closes; a client still writing may see the close instead.
    BOOST_TEST((ec.failed() || r.status == 413));
    BOOST_TEST(srv.get_stats().creates_processed == 0u);
}

BOOST_AUTO_TEST_CASE(webhook_handler_sees_each_status_change)
{
    std::mutex m;
    std::condition_variable cv;
    std::vector<std::tuple<std::string, akool::image_status, std::string, std::string>> calls;
    srv.set_webhook_handler([&](const std::string& id, akool::image_status st, const std::string& url,
                                const std::string& hook) {
        std::lock_guard<std::mutex> lock(m);
        calls.emplace_back(id, st, url, hook);
        cv.notify_all();
    });
    srv.set_timings(10ms, 10ms);
    std::string id = create_one(R"({"prompt":"p","webhookurl":"https://hooks.example.com/akool"})");
    create_one(R"({"prompt":"no hook"})");
    std::unique_lock<std::mutex> lock(m);
    BOOST_TEST_REQUIRE(cv.wait_for(lock, 20s, [&] { return calls.size() >= 2; }));
    BOOST_TEST(calls.size() == 2u);
    BOOST_TEST(std::get<0>(calls[0]) == id);
    BOOST_TEST(static_cast<int>(std::get<1>(calls[0])) == 2);
    BOOST_TEST(static_cast<int>(std::get<1>(calls[1])) == 3);
    BOOST_TEST(std::get<2>(calls[1]) == srv.base_url() + "/files/" + id + ".png");
    BOOST_TEST(std::get<3>(calls[1]) == "https://hooks.example.com/akool");
}

BOOST_AUTO_TEST_CASE(stop_closes_the_listener)
{
    std::string url = srv.base_url();
    BOOST_TEST(code_of(create(R"({"prompt":"p"})")) == 1000);
    srv.stop();
    srv.stop();  // idempotent
    http_test_client fresh(url);
    fresh.set_timeout(5s);
    boost::system::error_code ec;
    fresh.request(akool_test::http::verb::get, std::string(emu::paths::stats), {}, {}, ec);
    BOOST_TEST(ec.failed());
    // The old keep-alive connection is closed too.
    client->request(akool_test::http::verb::get, std::string(emu::paths::stats), {}, {}, ec);
    BOOST_TEST(ec.failed());
}

BOOST_AUTO_TEST_CASE(start_reports_a_busy_port)
{
    emu::options o = test_options();
    o.port = srv.port();
    emu::server second(o);
    boost::system::error_code ec;
    second.start(ec);
    BOOST_TEST(ec == boost::asio::error::address_in_use);
    BOOST_CHECK_THROW(emu::server(o).start(), boost::system::system_error);
}

// --- TLS --------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(tls_with_the_test_ca)
{
    akool_test::temp_dir dir("akool-emulator-pki-");
    auto pki = akool_test::make_test_pki(dir.path());
    emu::options o = test_options();
    o.tls_cert_file = pki.server_cert;
    o.tls_key_file = pki.server_key;
    emu::server s(o);
    s.start();
    BOOST_TEST(s.uses_tls());
    BOOST_TEST(s.base_url().rfind("https://127.0.0.1:", 0) == 0u);

    http_test_client c(s.base_url(), pki.ca_cert);
    auto created = parse_object(c.post(create_path, R"({"prompt":"over tls"})", key_header).body);
    BOOST_TEST_REQUIRE(code_of(created) == 1000);
    std::string id(created.at("data").at("_id").as_string());
    auto res = parse_object(c.get(result_path + "?image_model_id=" + id, key_header).body);
    std::string image(res.at("data").at("image").as_string());
    BOOST_TEST(image.rfind("https://", 0) == 0u);
    check_png(c.get(target_of(image)).body);

    // A client that does not trust the test CA refuses the server.
    http_test_client untrusting(s.base_url());
    boost::system::error_code ec;
    untrusting.request(akool_test::http::verb::get, std::string(emu::paths::stats), {}, {}, ec);
    BOOST_TEST(ec.failed());
    // The localhost name is in the certificate too.
    if (!akool_test::skip_host("localhost", "tls_with_the_test_ca")) {
        http_test_client by_name("https://localhost:" + std::to_string(s.port()), pki.ca_cert, "localhost");
        BOOST_TEST(by_name.get(std::string(emu::paths::stats)).status == 200);
    }

    // The expired, wrong-host and self-signed certificates are refused by a verifying client.
    const std::pair<std::string, std::string> refused[] = {{pki.expired_cert, pki.server_key},
                                                           {pki.wrong_host_cert, pki.server_key},
                                                           {pki.self_signed_cert, pki.self_signed_key}};
    for (const auto& [cert, key] : refused) {
        emu::options bad = test_options();
        bad.tls_cert_file = cert;
        bad.tls_key_file = key;
        emu::server b(bad);
        b.start();
        http_test_client bc(b.base_url(), pki.ca_cert);
        bc.request(akool_test::http::verb::get, std::string(emu::paths::stats), {}, {}, ec);
        BOOST_TEST(ec.failed(), cert);
    }
}

BOOST_AUTO_TEST_CASE(tls_start_fails_on_a_missing_certificate)
{
    emu::options o = test_options();
    o.tls_cert_file = "/nonexistent/cert.pem";
    o.tls_key_file = "/nonexistent/key.pem";
    emu::server s(o);
    boost::system::error_code ec;
    s.start(ec);
    BOOST_TEST(ec.failed());
}

// --- the program ------------------------------------------------------------------------------

BOOST_DATA_TEST_CASE(program_serves_and_stops_on_a_signal, bdata::make({SIGTERM, SIGINT}), sig)
{
    std::string exe = emulator_program();
    if (exe.empty()) {
        BOOST_WARN_MESSAGE(false, "akool-emulator not built next to the tests (AKOOL_BIN_DIR): skipped");
        return;
    }
    program p(exe, {"--port", "0", "--api-key", "cli-key", "--queue-ms", "3600000", "--seed", "7"});
    std::string line = p.first_line();
    BOOST_TEST_REQUIRE(line.rfind("listening on http://127.0.0.1:", 0) == 0u, line);
    std::string url = line.substr(std::strlen("listening on "));
    http_test_client c(url);
    auto created = parse_object(c.post(create_path, R"({"prompt":"cli"})", {{"x-api-key", "cli-key"}}).body);
    BOOST_TEST_REQUIRE(code_of(created) == 1000);
    std::string id(created.at("data").at("_id").as_string());
    BOOST_TEST(code_of(parse_object(c.post(create_path, R"({"prompt":"cli"})", {{"x-api-key", "other"}}).body)) ==
               1101);
    auto res = parse_object(c.get(result_path + "?image_model_id=" + id, {{"x-api-key", "cli-key"}}).body);
    BOOST_TEST(res.at("data").at("image_status").as_int64() == 1);  // --queue-ms 3600000
    auto stats = parse_object(c.get(std::string(emu::paths::stats)).body);
    BOOST_TEST(stats.at("creates_processed").as_int64() == 1);
    BOOST_TEST(p.stop_with(sig) == 0);
}

BOOST_AUTO_TEST_CASE(program_fail_rate_and_bad_options)
{
    std::string exe = emulator_program();
    if (exe.empty()) {
        BOOST_WARN_MESSAGE(false, "akool-emulator not built next to the tests (AKOOL_BIN_DIR): skipped");
        return;
    }
    {
        program p(exe, {"--fail-rate", "1", "--retry-after-s", "3"});
        std::string line = p.first_line();
        BOOST_TEST_REQUIRE(line.rfind("listening on ", 0) == 0u, line);
        http_test_client c(line.substr(std::strlen("listening on ")));
        for (int i = 0; i < 12; ++i) {
            boost::system::error_code ec;
            auto r = c.request(akool_test::http::verb::post, create_path, R"({"prompt":"p"})", {{"x-api-key", "k"}}, ec);
            BOOST_TEST((ec.failed() || r.status == 429 || r.status >= 500), "request " << i << ": HTTP " << r.status);
            if (r.status == 429) BOOST_TEST(r.header("Retry-After") == "3");
        }
        BOOST_TEST(p.stop_with(SIGTERM) == 0);
    }
    {
        program p(exe, {"--no-such-option", "1"});
        BOOST_TEST(p.first_line().empty());
        BOOST_TEST(p.stop_with(0) == 2);
    }
    {
        program p(exe, {"--fail-rate", "2"});
        BOOST_TEST(p.stop_with(0) == 2);
    }
}

// --max-tasks N bounds the emulator's memory over a long run: beyond N tasks the oldest is
// forgotten (get-result answers 1003 "no such task", its image 404); the newest N stay.
BOOST_AUTO_TEST_CASE(program_forgets_the_oldest_task_beyond_max_tasks)
{
    std::string exe = emulator_program();
    if (exe.empty()) {
        BOOST_WARN_MESSAGE(false, "akool-emulator not built next to the tests (AKOOL_BIN_DIR): skipped");
        return;
    }
    program p(exe, {"--max-tasks", "3", "--queue-ms", "0", "--process-ms", "0", "--image-scale-down", "20"});
    std::string line = p.first_line();
    BOOST_TEST_REQUIRE(line.rfind("listening on ", 0) == 0u, line);
    const std::string url = line.substr(std::strlen("listening on "));
    auto call = [&url](akool_test::http::verb v, const std::string& target, const std::string& body) {
        http_test_client c(url);
        boost::system::error_code ec;
        auto r = c.request(v, target, body, {{"x-api-key", "k"}}, ec);
        BOOST_TEST_REQUIRE(!ec, target << ": " << ec.message());
        return r;
    };
    std::vector<std::string> ids;
    // One task, then a batch of two, then two more: five in all.
    for (const char* body : {R"({"prompt":"a"})", R"({"prompt":"b","batch_quantity":2})", R"({"prompt":"c"})",
                             R"({"prompt":"d"})"}) {
        json::object o = parse_object(call(akool_test::http::verb::post, create_path, body).body);
        BOOST_TEST_REQUIRE(code_of(o) == 1000, o);
        const json::value& d = o.at("data");
        if (d.is_array())
            for (const auto& t : d.as_array()) ids.push_back(std::string(t.at("_id").as_string()));
        else
            ids.push_back(std::string(d.at("_id").as_string()));
    }
    BOOST_TEST_REQUIRE(ids.size() == 5u);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        json::object r = parse_object(call(akool_test::http::verb::get, result_path + "?image_model_id=" + ids[i], "").body);
        auto file = call(akool_test::http::verb::get, "/files/" + ids[i] + ".png", "");
        if (i < 2) {
            BOOST_TEST(code_of(r) == 1003, i);
            BOOST_TEST(msg_of(r).find("no such task") != std::string::npos, msg_of(r));
            BOOST_TEST(file.status == 404, i);
        } else {
            BOOST_TEST(code_of(r) == 1000, i);
            BOOST_TEST(r.at("data").at("image_status").as_int64() == 3, i);
            BOOST_TEST(file.status == 200, i);
        }
    }
    BOOST_TEST(p.stop_with(SIGTERM) == 0);
    program bad(exe, {"--max-tasks", "0"});
    BOOST_TEST(bad.stop_with(0) == 2);
}

// The switches of issue 15: an API code for every request, hostile task ids, enveloped errors.
BOOST_AUTO_TEST_CASE(program_api_code_task_id_and_envelopes)
{
    std::string exe = emulator_program();
    if (exe.empty()) {
        BOOST_WARN_MESSAGE(false, "akool-emulator not built next to the tests (AKOOL_BIN_DIR): skipped");
        return;
    }
    {
        program p(exe, {"--api-code", "1104"});
        std::string line = p.first_line();
        BOOST_TEST_REQUIRE(line.rfind("listening on ", 0) == 0u, line);
        http_test_client c(line.substr(std::strlen("listening on ")));
        for (int i = 0; i < 2; ++i) {
            auto r = c.post(create_path, R"({"prompt":"p"})", {{"x-api-key", "k"}});
            BOOST_TEST(r.status == 200);
            auto o = parse_object(r.body);
            BOOST_TEST(code_of(o) == 1104);
            BOOST_TEST(o.at("msg").as_string() == emu::documented_message(1104));
        }
        auto stats = parse_object(c.get(std::string(emu::paths::stats)).body);
        BOOST_TEST(stats.at("creates_processed").as_int64() == 0);
        BOOST_TEST(p.stop_with(SIGTERM) == 0);
    }
    {
        program p(exe, {"--task-id", "../../x", "--task-id", "second", "--envelope-http-errors", "1", "--rate-429", "0"});
        std::string line = p.first_line();
        BOOST_TEST_REQUIRE(line.rfind("listening on ", 0) == 0u, line);
        http_test_client c(line.substr(std::strlen("listening on ")));
        auto created = parse_object(c.post(create_path, R"({"prompt":"p","batch_quantity":3})", {{"x-api-key", "k"}}).body);
        BOOST_TEST_REQUIRE(code_of(created) == 1000);
        const auto& data = created.at("data").as_array();
        BOOST_TEST_REQUIRE(data.size() == 3u);
        BOOST_TEST(data[0].at("_id").as_string() == "../../x");
        BOOST_TEST(data[1].at("_id").as_string() == "second");
        BOOST_TEST(data[2].at("_id").as_string().size() == 24u);
        BOOST_TEST(p.stop_with(SIGTERM) == 0);
    }
    {
        program p(exe, {"--envelope-http-errors", "1", "--rate-429", "1"});
        std::string line = p.first_line();
        BOOST_TEST_REQUIRE(line.rfind("listening on ", 0) == 0u, line);
        http_test_client c(line.substr(std::strlen("listening on ")));
        boost::system::error_code ec;
        auto r = c.request(akool_test::http::verb::post, create_path, R"({"prompt":"p"})", {{"x-api-key", "k"}}, ec);
        BOOST_TEST_REQUIRE(!ec);
        BOOST_TEST(r.status == 429);
        BOOST_TEST(code_of(parse_object(r.body)) == 1429);
        BOOST_TEST(p.stop_with(SIGTERM) == 0);
    }
}

BOOST_AUTO_TEST_SUITE_END()
