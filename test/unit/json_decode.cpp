// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#define BOOST_TEST_MODULE json_decode
#include <boost/test/unit_test.hpp>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <akool/json.hpp>

#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

namespace bdata = boost::unit_test::data;
using namespace akool;

namespace {

std::string read_fixture(const std::string& name)
{
    std::ifstream in(std::string(AKOOL_TEST_SOURCE_DIR) + "/test/data/" + name, std::ios::binary);
    BOOST_TEST_REQUIRE(in.good(), "cannot open fixture " << name);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

const std::string seed_prompt = "A majestic mountain landscape at sunset with golden light";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

} // namespace

BOOST_AUTO_TEST_SUITE(json_decode)

BOOST_AUTO_TEST_CASE(seed_single_response)
{
    error_code ec;
    diagnostics diag;
    std::vector<image_task> tasks = decode_create_response(read_fixture("seed_create_response.json"), ec, diag);
    BOOST_TEST_REQUIRE(!ec, ec.message() << ": " << diag.client_message);
    BOOST_TEST_REQUIRE(tasks.size() == 1u);
    const image_task& t = tasks[0];
    BOOST_TEST(t.id == "6650a1b2c3d4e5f6a7b8c9d0");
    BOOST_TEST((t.uid == 378337));
    BOOST_TEST(t.team_id == "team_123456");
    BOOST_TEST((t.create_time == 1716859314633));
    BOOST_TEST(t.prompt == seed_prompt);
    BOOST_TEST(t.origin_prompt == seed_prompt);
    BOOST_TEST(t.source_image == "");
    BOOST_TEST((t.status == image_status::queueing));
    BOOST_TEST((t.sub_status == 1));
    BOOST_TEST((t.deduction_credit == 1));
    BOOST_TEST(t.model_name == "wavespeed-ai/flux-krea-dev-lora");
    BOOST_TEST(t.provider == "wavespeed-ai");
    BOOST_TEST((t.type == 4));
    BOOST_TEST((t.from == 4));
    BOOST_TEST((t.sub_type == image_sub_type::text_to_image));
    BOOST_TEST(t.file_name == "ImageGenerator_1716859314633.png");
}

BOOST_AUTO_TEST_CASE(seed_batch_response)
{
    error_code ec;
    diagnostics diag;
    std::vector<image_task> tasks = decode_create_response(read_fixture("seed_create_batch_response.json"), ec, diag);
    BOOST_TEST_REQUIRE(!ec, ec.message() << ": " << diag.client_message);
    BOOST_TEST_REQUIRE(tasks.size() == 2u);
    const char* const ids[] = {"6650a1b2c3d4e5f6a7b8c9d0", "6650a1b2c3d4e5f6a7b8c9d1"};
    for (std::size_t i = 0; i < 2; ++i) {
        const image_task& t = tasks[i];
        BOOST_TEST(t.id == ids[i]);
        BOOST_TEST((t.uid == 378337));
        BOOST_TEST(t.team_id == "team_123456");
        BOOST_TEST((t.create_time == 1716859314633 + static_cast<std::int64_t>(i)));
        BOOST_TEST(t.prompt == seed_prompt);
        BOOST_TEST((t.status == image_status::queueing));
        BOOST_TEST((t.deduction_credit == 1));
        BOOST_TEST(t.model_name == "wavespeed-ai/flux-krea-dev-lora");
        BOOST_TEST((t.type == 4));
        BOOST_TEST((t.from == 4));
        BOOST_TEST((t.sub_type == image_sub_type::text_to_image));
        // Fields the batch example leaves out stay empty or unset.
        BOOST_TEST(t.origin_prompt.empty());
        BOOST_TEST(t.source_image.empty());
        BOOST_TEST(!t.sub_status.has_value());
        BOOST_TEST(t.provider.empty());
        BOOST_TEST(t.file_name.empty());
    }
}

BOOST_AUTO_TEST_CASE(peer_create_fixtures)
{
    error_code ec;
    diagnostics diag;
    std::vector<image_task> one = decode_create_response(read_fixture("peers/create.json"), ec, diag);
    BOOST_TEST_REQUIRE(!ec, diag.client_message);
    BOOST_TEST_REQUIRE(one.size() == 1u);
    BOOST_TEST(one[0].id == "6650a1b2c3d4e5f6a7b8c9d0");
    BOOST_TEST(one[0].file_name == "ImageGenerator_1716859314633.png");

    std::vector<image_task> four = decode_create_response(read_fixture("peers/create_batch4.json"), ec, diag);
    BOOST_TEST_REQUIRE(!ec, diag.client_message);
    BOOST_TEST_REQUIRE(four.size() == 4u);
    for (std::size_t i = 0; i < 4; ++i) {
        BOOST_TEST(four[i].id == "6650a1b2c3d4e5f6a7b8c9d" + std::to_string(i));
        BOOST_TEST((four[i].create_time == 1716859314633 + static_cast<std::int64_t>(i)));
        BOOST_TEST((four[i].status == image_status::queueing));
        BOOST_TEST(four[i].file_name == "ImageGenerator_171685931463" + std::to_string(3 + i) + ".png");
    }
}

BOOST_AUTO_TEST_CASE(peer_info_fixture)
{
    error_code ec;
    diagnostics diag;
    image_result r = decode_result_response(read_fixture("peers/info.json"), ec, diag);
    BOOST_TEST_REQUIRE(!ec, diag.client_message);
    BOOST_TEST(r.id == "6650a1b2c3d4e5f6a7b8c9d0");
    BOOST_TEST((r.status == image_status::completed));
    BOOST_TEST(r.image_url == "http://127.0.0.1:18080/files/ImageGenerator_1716859314633.png");
    BOOST_TEST((r.create_time == 1716859314633));
    BOOST_TEST((r.uid == 378337));
    BOOST_TEST((r.type == 4));
    BOOST_TEST((r.deduction_credit == 1));
    BOOST_TEST(r.upscaled_urls.empty());
}

// The server-side encoders reproduce the peers' minified replies byte for byte.
BOOST_AUTO_TEST_CASE(server_encoders_reproduce_fixtures)
{
    error_code ec;
    diagnostics diag;
    const std::string create = read_fixture("peers/create.json");
    BOOST_TEST(encode_create_response(decode_create_response(create, ec, diag), false) == create);
    const std::string batch = read_fixture("peers/create_batch4.json");
    BOOST_TEST(encode_create_response(decode_create_response(batch, ec, diag), true) == batch);
    const std::string info = read_fixture("peers/info.json");
    BOOST_TEST(encode_result_response(decode_result_response(info, ec, diag)) == info);
}

BOOST_AUTO_TEST_CASE(server_encoders_shapes)
{
    image_task t;
    t.id = "x";
    BOOST_TEST(encode_create_response({t}, true).find("\"data\":[{") != std::string::npos);
    BOOST_TEST(encode_create_response({t}, false).find("\"data\":{") != std::string::npos);

    image_result r;
    r.id = "r";
    r.status = image_status::processing;
    const std::string pending = encode_result_response(r);
    BOOST_TEST(pending.find("\"image\"") == std::string::npos);
    r.upscaled_urls = {"https://u/1"};
    error_code ec;
    diagnostics diag;
    image_result back = decode_result_response(encode_result_response(r), ec, diag);
    BOOST_TEST(!ec);
    BOOST_TEST(back.id == "r");
    BOOST_TEST((back.status == image_status::processing));
    BOOST_TEST(back.image_url.empty());
    BOOST_TEST(back.upscaled_urls == r.upscaled_urls, boost::test_tools::per_element());

    BOOST_TEST(encode_token_response("t\"k") == R"({"code":1000,"msg":"OK","token":"t\"k"})");
    BOOST_TEST(encode_error_response(1003, "bad \"scale\"") == R"({"code":1003,"msg":"bad \"scale\""})");
}

// --- API error codes ------------------------------------------------------------------------

struct api_case {
    int code;
    error expected;
};
static const api_case api_cases[] = {
    {1003, error::api_parameter_error},   {1101, error::api_invalid_authorization},
    {1102, error::api_authorization_empty}, {1108, error::api_generation_error},
    {1200, error::api_account_banned},    {1234, static_cast<error>(1234)},
    {5, error::unexpected_api_code},      {0, error::unexpected_api_code},
    {-1, error::unexpected_api_code},
};

BOOST_DATA_TEST_CASE(api_error_codes, bdata::xrange(std::size(api_cases)), index)
{
    const api_case& c = api_cases[index];
    const std::string msg = "message for " + std::to_string(c.code) + " \"quoted\"";
    const std::string body = encode_error_response(c.code, msg);
    const std::string with_data = R"({"code":)" + std::to_string(c.code) + R"(,"msg":"m","data":null})";

    error_code ec;
    diagnostics diag;
    BOOST_TEST(decode_create_response(body, ec, diag).empty());
    BOOST_TEST((ec == make_error_code(c.expected)));
    BOOST_TEST(ec.value() == static_cast<int>(c.expected));
    BOOST_TEST(diag.api_code == c.code);
    BOOST_TEST(diag.server_message == msg);
    BOOST_TEST(is_api_error(ec) == (c.code > max_client_error));

    diagnostics diag2;
    image_result r = decode_result_response(with_data, ec, diag2);
    BOOST_TEST((ec == make_error_code(c.expected)));
    BOOST_TEST(r.id.empty());
    BOOST_TEST(diag2.api_code == c.code);
    BOOST_TEST(diag2.server_message == "m");

    diagnostics diag3;
    BOOST_TEST(decode_token_response(body, ec, diag3).empty());
    BOOST_TEST((ec == make_error_code(c.expected)));
    BOOST_TEST(diag3.server_message == msg);

    int code = 0;
    std::string peeked;
    BOOST_TEST(peek_api_code(body, code, peeked));
    BOOST_TEST(code == c.code);
    BOOST_TEST(peeked == msg);
}

BOOST_AUTO_TEST_CASE(api_error_without_msg)
{
    error_code ec;
    diagnostics diag;
    decode_create_response(R"({"code":1101})", ec, diag);
    BOOST_TEST((ec == error::api_invalid_authorization));
    BOOST_TEST(diag.api_code == 1101);
    BOOST_TEST(diag.server_message.empty());
}

// --- Malformed replies ------------------------------------------------------------------------

struct bad_case {
    const char* name;
    std::string body;
    const char* message_part;  // expected in diag.client_message
};

static const bad_case bad_cases[] = {
    {"not JSON", "<html>502 Bad Gateway</html>", "not valid JSON"},
    {"empty body", "", "empty"},
    {"blank body", " \r\n", "empty"},
    {"top-level array", "[]", "not a JSON object"},
    {"top-level string", "\"OK\"", "not a JSON object"},
    {"top-level number", "1000", "not a JSON object"},
    {"top-level null", "null", "not a JSON object"},
    {"trailing garbage", R"({"code":1000,"data":{"_id":"a","image_status":1}}x)", "not valid JSON"},
    {"data missing", R"({"code":1000,"msg":"OK"})", "data: missing"},
    {"data null", R"({"code":1000,"msg":"OK","data":null})", "data: expected an object or an array"},
    {"data a number", R"({"code":1000,"msg":"OK","data":5})", "data: expected an object or an array"},
    {"data a string", R"({"code":1000,"msg":"OK","data":"x"})", "data: expected an object or an array"},
    {"data an empty array", R"({"code":1000,"msg":"OK","data":[]})", "data: empty array"},
    {"_id a number", R"({"code":1000,"data":{"_id":5,"image_status":1}})", "data._id: expected a string"},
    {"_id empty", R"({"code":1000,"data":{"_id":"","image_status":1}})", "data._id: expected a non-empty string"},
    {"_id missing", R"({"code":1000,"data":{"image_status":1}})", "data._id: missing"},
    {"image_status a string", R"({"code":1000,"data":{"_id":"a","image_status":"1"}})",
     "data.image_status: expected an integer"},
    {"image_status a fraction", R"({"code":1000,"data":{"_id":"a","image_status":1.5}})",
     "data.image_status: expected an integer, got the fraction 1.5"},
    {"image_status 3.25 in a batch", R"({"code":1000,"data":[{"_id":"a","image_status":1},{"_id":"b","image_status":3.25}]})",
     "data[1].image_status: expected an integer, got the fraction 3.25"},
    {"image_status 1e10 (integral, out of range)", R"({"code":1000,"data":{"_id":"a","image_status":1e10}})",
     "data.image_status: integer out of range"},
    {"image_status missing", R"({"code":1000,"data":{"_id":"a"}})", "data.image_status: missing"},
    {"image_status 4294967296", R"({"code":1000,"data":{"_id":"a","image_status":4294967296}})",
     "data.image_status: integer out of range"},
    {"image_status -4294967296", R"({"code":1000,"data":{"_id":"a","image_status":-4294967296}})",
     "data.image_status: integer out of range"},
    {"element 2 _id a number",
     R"({"code":1000,"data":[{"_id":"a","image_status":1},{"_id":"b","image_status":1},{"_id":7,"image_status":1}]})",
     "data[2]._id: expected a string"},
    {"element 1 not an object", R"({"code":1000,"data":[{"_id":"a","image_status":1},null]})",
     "data[1]: expected an object"},
    {"code missing", R"({"msg":"OK","data":{"_id":"a","image_status":1}})", "code: missing"},
    {"code a string", R"({"code":"1000","data":{"_id":"a","image_status":1}})", "code: expected an integer"},
    {"code null", R"({"code":null})", "code: expected an integer"},
    {"code a fraction", R"({"code":1000.5})", "code: expected an integer, got the fraction 1000.5"},
    {"code 1000.0 then no data", R"({"code":1000.0})", "data: missing"},
    {"code 1e400", R"({"code":1e400})", "code"},
    {"code 18446744073709551616", R"({"code":18446744073709551616})", "code: expected an integer"},
    {"code 4294967296", R"({"code":4294967296})", "code: integer out of range"},
    {"deep nesting", std::string(10000, '['), "not valid JSON"},
    {"deep nesting in data", R"({"code":1000,"data":)" + std::string(10000, '[') + std::string(10000, ']') + "}",
     "not valid JSON"},
    {"deep objects", std::string(5000, '{') , "not valid JSON"},
    {"invalid UTF-8", "{\"code\":1000,\"msg\":\"\xff\xfe\",\"data\":{\"_id\":\"a\",\"image_status\":1}}",
     "not valid JSON"},
    {"overlong UTF-8", "{\"code\":1000,\"msg\":\"\xc0\xaf\"}", "not valid JSON"},
    {"unterminated string", R"({"code":1000,"msg":"\ud800)", "not valid JSON"},
    {"NUL inside", std::string("{\"code\":1000,\0}", 15), "not valid JSON"},
};

BOOST_DATA_TEST_CASE(malformed_create_replies, bdata::xrange(std::size(bad_cases)), index)
{
    const bad_case& c = bad_cases[index];
    BOOST_TEST_CONTEXT(c.name)
    {
        error_code ec;
        diagnostics diag;
        std::vector<image_task> tasks;
        BOOST_CHECK_NO_THROW(tasks = decode_create_response(c.body, ec, diag));
        BOOST_TEST((ec == error::bad_response));
        BOOST_TEST(tasks.empty());
        BOOST_TEST(contains(diag.client_message, c.message_part), diag.client_message);
        BOOST_TEST(diag.api_code == 0);
    }
}

// A task id is a file name and a journal key: one create reply must not hold it twice,
// whether the fast decoder or the reader takes the reply.
BOOST_AUTO_TEST_CASE(create_reply_with_a_repeated_task_id)
{
    const std::pair<std::string, std::string> cases[] = {
        {R"({"code":1000,"data":[{"_id":"t1","image_status":1},{"_id":"t1","image_status":1}]})",
         R"(data[1]._id: "t1" repeats data[0]._id; each task has its own id)"},
        // unknown keys and a float status send it past the fast decoder: the same verdict
        {R"({"code":1000,"x":[1],"data":[{"_id":"a","image_status":1.0},{"_id":"b","image_status":1},)"
         R"({"_id":"a","image_status":1},{"_id":"b","image_status":1}]})",
         R"(data[2]._id: "a" repeats data[0]._id; each task has its own id)"},
        {R"({"code":1000,"data":[{"_id":"a","image_status":1},{"_id":"b","image_status":1},)"
         R"({"_id":"b","image_status":1},{"_id":"a","image_status":1}]})",
         R"(data[2]._id: "b" repeats data[1]._id; each task has its own id)"},
    };
    for (const auto& c : cases) {
        error_code ec;
        diagnostics diag;
        auto tasks = decode_create_response(c.first, ec, diag);
        BOOST_TEST((ec == error::bad_response), c.first);
        BOOST_TEST(tasks.empty());
        BOOST_TEST(diag.client_message == c.second);
    }
    // Ids that differ are fine, however alike.
    error_code ec;
    diagnostics diag;
    auto tasks = decode_create_response(
        R"({"code":1000,"data":[{"_id":"a","image_status":1},{"_id":"A","image_status":1},{"_id":"a_","image_status":1}]})",
        ec, diag);
    BOOST_TEST(!ec, diag.client_message);
    BOOST_TEST(tasks.size() == 3u);
}

// Replies longer than a batch (a hostile service): the same verdict, at both sides of the
// length where the check stops comparing pair by pair and sorts.
BOOST_DATA_TEST_CASE(a_long_create_reply_with_a_repeated_task_id, bdata::make({15, 16, 17, 40}), n)
{
    auto reply = [](const std::vector<std::string>& ids) {
        std::string body = R"({"code":1000,"data":[)";
        for (std::size_t i = 0; i < ids.size(); ++i)
            body += (i ? "," : "") + std::string(R"({"_id":")") + ids[i] + R"(","image_status":1})";
        return body + "]}";
    };
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) ids.push_back("t" + std::to_string(i));
    error_code ec;
    diagnostics diag;
    BOOST_TEST(decode_create_response(reply(ids), ec, diag).size() == static_cast<std::size_t>(n));
    BOOST_TEST(!ec, diag.client_message);
    // Three repeats, the last two of earlier ids: the one that comes first is reported.
    ids[static_cast<std::size_t>(n - 1)] = "t1";
    ids[static_cast<std::size_t>(n - 2)] = "t4";
    ids[static_cast<std::size_t>(n - 4)] = "t2";
    auto tasks = decode_create_response(reply(ids), ec, diag);
    BOOST_TEST((ec == error::bad_response));
    BOOST_TEST(tasks.empty());
    BOOST_TEST(diag.client_message == "data[" + std::to_string(n - 4) + R"(]._id: "t2" repeats data[2]._id; )"
                                                                         "each task has its own id");
}

// A long array of bad elements fails at its first, without making room for the rest.
BOOST_AUTO_TEST_CASE(create_reply_with_many_bad_elements)
{
    std::string body = R"({"code":1000,"data":[0)";
    for (int i = 0; i < 100000; ++i) body += ",0";
    body += "]}";
    error_code ec;
    diagnostics diag;
    auto tasks = decode_create_response(body, ec, diag);
    BOOST_TEST((ec == error::bad_response));
    BOOST_TEST(tasks.empty());
    BOOST_TEST(tasks.capacity() == 0u);
    BOOST_TEST(diag.client_message == "data[0]: expected an object, got a number");
}

// The same bodies through the other decoders: a set error, never an exception.
BOOST_DATA_TEST_CASE(malformed_replies_other_decoders, bdata::xrange(std::size(bad_cases)), index)
{
    const bad_case& c = bad_cases[index];
    BOOST_TEST_CONTEXT(c.name)
    {
        error_code ec;
        diagnostics diag;
        image_result r;
        BOOST_CHECK_NO_THROW(r = decode_result_response(c.body, ec, diag));
        BOOST_TEST(ec.failed());
        BOOST_TEST(r.id.empty());
        std::string token = "unchanged";
        BOOST_CHECK_NO_THROW(token = decode_token_response(c.body, ec, diag));
        BOOST_TEST(ec.failed());
        BOOST_TEST(token.empty());
        error_code ec2;
        diagnostics diag2;
        BOOST_CHECK_NO_THROW(decode_image_request(c.body, ec2, diag2));
        BOOST_TEST(ec2.failed());
    }
}

// The forms without diagnostics: the error_code ones report what the full form reports, the
// throwing ones throw it as error_with_diagnostics (code and the field named), and return the
// same value on success.
BOOST_AUTO_TEST_CASE(forms_with_an_error_code_alone_and_throwing_forms)
{
    const std::string create_ok = R"({"code":1000,"msg":"OK","data":{"_id":"a1","image_status":1}})";
    const std::string result_ok =
        R"({"code":1000,"msg":"OK","data":{"_id":"a1","image_status":3,"image":"https://cdn.example.test/a1.png"}})";
    const std::string token_ok = R"({"code":1000,"token":"tok-1"})";
    const std::string bad = R"({"code":1000,"data":{"_id":5,"image_status":1}})";
    const std::string refused = R"({"code":1006,"msg":"no quota"})";

    error_code ec;
    BOOST_TEST(decode_create_response(create_ok, ec).at(0).id == "a1");
    BOOST_TEST(!ec);
    BOOST_TEST(decode_create_response(bad, ec).empty());
    BOOST_TEST((ec == error::bad_response));
    BOOST_TEST(decode_result_response(result_ok, ec).image_url == "https://cdn.example.test/a1.png");
    BOOST_TEST(!ec);
    BOOST_TEST(decode_result_response(refused, ec).id.empty());
    BOOST_TEST((ec == error::api_insufficient_quota));
    BOOST_TEST(decode_token_response(token_ok, ec) == "tok-1");
    BOOST_TEST(!ec);
    BOOST_TEST(decode_token_response(refused, ec).empty());
    BOOST_TEST((ec == error::api_insufficient_quota));

    BOOST_TEST(decode_create_response(create_ok).at(0).id == "a1");
    BOOST_TEST((decode_result_response(result_ok).status == image_status::completed));
    BOOST_TEST(decode_token_response(token_ok) == "tok-1");
    BOOST_TEST(decode_image_request(R"({"prompt":"a lighthouse","scale":"1:1"})").prompt == "a lighthouse");

    auto thrown = [](auto&& decode) {
        try {
            decode();
        } catch (const error_with_diagnostics& e) {
            return std::make_pair(e.code(), e.get_diagnostics());
        }
        return std::make_pair(error_code{}, diagnostics{});
    };
    auto [create_ec, create_diag] = thrown([&] { return decode_create_response(bad); });
    BOOST_TEST((create_ec == error::bad_response));
    BOOST_TEST(contains(create_diag.client_message, "data._id: expected a string"), create_diag.client_message);
    auto [result_ec, result_diag] = thrown([&] { return decode_result_response(refused); });
    BOOST_TEST((result_ec == error::api_insufficient_quota));
    BOOST_TEST(result_diag.server_message == "no quota");
    auto [token_ec, token_diag] = thrown([&] { return decode_token_response("<html>"); });
    BOOST_TEST((token_ec == error::bad_response));
    auto [request_ec, request_diag] = thrown([&] { return decode_image_request(R"({"prompt":5})"); });
    BOOST_TEST((request_ec == error::validation_failed));
    BOOST_TEST_REQUIRE(!request_diag.issues.empty());
    BOOST_TEST(request_diag.issues[0].field == "prompt");
}

BOOST_AUTO_TEST_CASE(result_data_shapes)
{
    error_code ec;
    diagnostics diag;
    decode_result_response(R"({"code":1000,"data":[{"_id":"a","image_status":3}]})", ec, diag);
    BOOST_TEST((ec == error::bad_response));
    BOOST_TEST(contains(diag.client_message, "data: expected an object"), diag.client_message);
    decode_result_response(R"({"code":1000,"data":{"_id":"a","image_status":"3"}})", ec, diag);
    BOOST_TEST((ec == error::bad_response));
    BOOST_TEST(diag.client_message.rfind("data.image_status: expected an integer", 0) == 0u, diag.client_message);
}

BOOST_AUTO_TEST_CASE(truncated_at_every_offset)
{
    const std::string body = read_fixture("seed_create_response.json");
    const std::size_t end = body.rfind('}');
    BOOST_TEST_REQUIRE(end != std::string::npos);
    std::size_t failures = 0;
    for (std::size_t n = 0; n <= end; ++n) {
        error_code ec;
        diagnostics diag;
        std::vector<image_task> tasks;
        BOOST_CHECK_NO_THROW(tasks = decode_create_response(std::string_view(body).substr(0, n), ec, diag));
        if ((ec == error::bad_response) && tasks.empty()) ++failures;
        else BOOST_ERROR("prefix of " << n << " bytes did not fail: " << ec.message());
    }
    BOOST_TEST(failures == end + 1);
    // The full text (with its trailing newline) decodes.
    error_code ec;
    diagnostics diag;
    BOOST_TEST(decode_create_response(body, ec, diag).size() == 1u);
    BOOST_TEST(!ec);
}

BOOST_AUTO_TEST_CASE(unknown_status_and_sub_type_kept)
{
    error_code ec;
    diagnostics diag;
    auto tasks = decode_create_response(R"({"code":1000,"data":{"_id":"a","image_status":7,"sub_type":40099}})", ec, diag);
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST_REQUIRE(tasks.size() == 1u);
    BOOST_TEST(static_cast<int>(tasks[0].status) == 7);
    BOOST_TEST(!is_known(tasks[0].status));
    BOOST_TEST_REQUIRE(tasks[0].sub_type.has_value());
    BOOST_TEST(static_cast<int>(*tasks[0].sub_type) == 40099);

    image_result r = decode_result_response(R"({"code":1000,"data":{"_id":"a","image_status":0}})", ec, diag);
    BOOST_TEST(!ec);
    BOOST_TEST(static_cast<int>(r.status) == 0);
}

BOOST_AUTO_TEST_CASE(unknown_fields_ignored)
{
    error_code ec;
    diagnostics diag;
    auto tasks = decode_create_response(
        R"({"extra":{"deep":[1,2,{"x":null}]},"code":1000,"msg":"OK","trace":"abc",)"
        R"("data":{"new_field":[true],"_id":"a","image_status":2,"buttons":[]}})",
        ec, diag);
    BOOST_TEST_REQUIRE(!ec, diag.client_message);
    BOOST_TEST_REQUIRE(tasks.size() == 1u);
    BOOST_TEST(tasks[0].id == "a");
    BOOST_TEST((tasks[0].status == image_status::processing));
}

// Integers that arrive as integral floats are read as integers, in every decoder.
BOOST_AUTO_TEST_CASE(integral_floats_read_as_integers)
{
    error_code ec;
    diagnostics diag;
    auto tasks = decode_create_response(
        R"({"code":1000.0,"msg":"OK","data":{"_id":"a","image_status":3.0,"uid":378337.0,"create_time":1.7e12,)"
        R"("deduction_credit":1e0,"sub_type":40001.0,"type":4.0}})",
        ec, diag);
    BOOST_TEST_REQUIRE(!ec, diag.client_message);
    BOOST_TEST_REQUIRE(tasks.size() == 1u);
    BOOST_TEST((tasks[0].status == image_status::completed));
    BOOST_TEST(tasks[0].uid.value_or(0) == 378337);
    BOOST_TEST(tasks[0].create_time.value_or(0) == 1700000000000);
    BOOST_TEST(tasks[0].deduction_credit.value_or(0) == 1);
    BOOST_TEST((tasks[0].sub_type == image_sub_type::text_to_image));
    BOOST_TEST(tasks[0].type.value_or(0) == 4);

    image_result r = decode_result_response(
        R"({"code":1000,"data":{"_id":"a","image_status":3.0,"image":"https://x/y.png","create_time":-0.0}})", ec, diag);
    BOOST_TEST_REQUIRE(!ec, diag.client_message);
    BOOST_TEST((r.status == image_status::completed));
    BOOST_TEST(r.create_time.value_or(7) == 0);

    // A refusal whose code is a float is still that refusal.
    r = decode_result_response(R"({"code":1101.0,"msg":"Invalid authorization"})", ec, diag);
    BOOST_TEST((ec == error::api_invalid_authorization));
    BOOST_TEST(diag.api_code == 1101);
    int code = 0;
    std::string msg;
    BOOST_TEST(peek_api_code(R"({"code":1429.0,"msg":"Too Many Requests"})", code, msg));
    BOOST_TEST(code == 1429);

    // A fraction names the field, in the result reply too.
    diag = {};
    r = decode_result_response(R"({"code":1000,"data":{"_id":"a","image_status":2.5}})", ec, diag);
    BOOST_TEST((ec == error::bad_response));
    BOOST_TEST(contains(diag.client_message, "data.image_status: expected an integer, got the fraction 2.5"),
               diag.client_message);
}

BOOST_AUTO_TEST_CASE(optional_fields_of_wrong_type_ignored)
{
    error_code ec;
    diagnostics diag;
    auto tasks = decode_create_response(
        R"({"code":1000,"msg":5,"data":{"_id":"a","image_status":1,"uid":"378337","team_id":5,)"
        R"("create_time":1e400,"prompt":null,"image_sub_status":1.5,"deduction_credit":18446744073709551615,)"
        R"("model_name":[],"type":true,"from":{},"sub_type":4294967296,"file_name":0}})",
        ec, diag);
    BOOST_TEST_REQUIRE(!ec, diag.client_message);
    BOOST_TEST_REQUIRE(tasks.size() == 1u);
    const image_task& t = tasks[0];
    BOOST_TEST(!t.uid.has_value());
    BOOST_TEST(t.team_id.empty());
    BOOST_TEST(!t.create_time.has_value());
    BOOST_TEST(t.prompt.empty());
    BOOST_TEST(!t.sub_status.has_value());
    BOOST_TEST(!t.deduction_credit.has_value());
    BOOST_TEST(t.model_name.empty());
    BOOST_TEST(!t.type.has_value());
    BOOST_TEST(!t.from.has_value());
    BOOST_TEST(!t.sub_type.has_value());
    BOOST_TEST(t.file_name.empty());

    image_result r = decode_result_response(
        R"({"code":1000,"data":{"_id":"a","image_status":3,"image":5,"upscaled_urls":[1,"https://u",null]}})", ec,
        diag);
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST(r.image_url.empty());
    BOOST_TEST_REQUIRE(r.upscaled_urls.size() == 1u);
    BOOST_TEST(r.upscaled_urls[0] == "https://u");

    // A uint64 that fits int64 is accepted.
    tasks = decode_create_response(R"({"code":1000,"data":{"_id":"a","image_status":1,"uid":9223372036854775807}})",
                                   ec, diag);
    BOOST_TEST_REQUIRE(tasks.size() == 1u);
    BOOST_TEST((tasks[0].uid == 9223372036854775807LL));
}

BOOST_AUTO_TEST_CASE(large_reply_beyond_stack_buffer)
{
    std::string body = R"({"code":1000,"data":[)";
    for (int i = 0; i < 200; ++i) {
        if (i) body += ',';
        body += R"({"_id":"id)" + std::to_string(i) + R"(","image_status":1,"prompt":")" + std::string(100, 'p') + "\"}";
    }
    body += "]}";
    error_code ec;
    diagnostics diag;
    auto tasks = decode_create_response(body, ec, diag);
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST_REQUIRE(tasks.size() == 200u);
    BOOST_TEST(tasks[199].id == "id199");
}

// --- Token ------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(token_replies)
{
    error_code ec;
    diagnostics diag;
    BOOST_TEST(decode_token_response(R"({"code":1000,"token":"eyJhbGciOi"})", ec, diag) == "eyJhbGciOi");
    BOOST_TEST(!ec);
    BOOST_TEST(decode_token_response(encode_token_response("abc"), ec, diag) == "abc");
    BOOST_TEST(!ec);
    // Fallback: token under data.
    BOOST_TEST(decode_token_response(R"({"code":1000,"data":{"token":"t2"}})", ec, diag) == "t2");
    BOOST_TEST(!ec);
    // Top level wins.
    BOOST_TEST(decode_token_response(R"({"code":1000,"token":"top","data":{"token":"inner"}})", ec, diag) == "top");

    struct bad {
        const char* body;
        const char* part;
    };
    const bad bads[] = {
        {R"({"code":1000})", "token: missing"},
        {R"({"code":1000,"data":{}})", "token: missing"},
        {R"({"code":1000,"token":5})", "token: expected a string"},
        {R"({"code":1000,"token":""})", "token: expected a non-empty string"},
        {R"({"code":1000,"data":{"token":null}})", "data.token: expected a string"},
        // The token becomes a header: CR LF, a space, a control or a non-ASCII byte, or a
        // huge value is refused before any request carries it.
        {R"({"code":1000,"token":"abc\r\nX-Injected: 1"})", "token: not usable in a header"},
        {R"({"code":1000,"token":"two words"})", "token: not usable in a header"},
        {R"({"code":1000,"data":{"token":"caf\u00e9"}})", "token: not usable in a header"},
        {R"({"code":1000,"token":"a\u0000b"})", "token: not usable in a header"},
        {"{\"code\":1000,\"token\":\"ab\x7f" "c\"}", "token: not usable in a header"},  // DEL
    };
    for (const bad& b : bads) {
        diagnostics d;
        BOOST_TEST(decode_token_response(b.body, ec, d).empty());
        BOOST_TEST((ec == error::bad_response), b.body);
        BOOST_TEST(contains(d.client_message, b.part), d.client_message);
    }
    const std::string huge = R"({"code":1000,"token":")" + std::string(4097, 'a') + "\"}";
    diagnostics d;
    BOOST_TEST(decode_token_response(huge, ec, d).empty());
    BOOST_TEST((ec == error::bad_response));
    BOOST_TEST(contains(d.client_message, "at most 4096 bytes"), d.client_message);
    BOOST_TEST(d.client_message.find("aaaa") == std::string::npos, "the token is not quoted");
    const std::string longest = std::string(4096, 'a');
    BOOST_TEST(decode_token_response(R"({"code":1000,"token":")" + longest + "\"}", ec, d) == longest);
    BOOST_TEST(!ec);
}

BOOST_AUTO_TEST_CASE(peek_code)
{
    int code = -7;
    std::string msg = "old";
    BOOST_TEST(peek_api_code(R"({"code":1000})", code, msg));
    BOOST_TEST(code == 1000);
    BOOST_TEST(msg.empty());
    BOOST_TEST(peek_api_code(R"({"msg":"Too many requests","code":1108})", code, msg));
    BOOST_TEST(code == 1108);
    BOOST_TEST(msg == "Too many requests");

    code = -7;
    msg = "old";
    for (const char* body : {"", "<html>", "[1000]", R"({"code":"1000"})", R"({"msg":"x"})", R"({"code":1e3.5})", R"({"code":1000.5})",
                             R"({"code":4294967296})", "{\"code\":1000"}) {
        BOOST_TEST(!peek_api_code(body, code, msg), body);
        BOOST_TEST(code == -7);
        BOOST_TEST(msg == "old");
    }
}

// --- Server side: decode_image_request ----------------------------------------------------

struct request_issue_case {
    std::string body;
    const char* field;
    issue_code code;
};

static const request_issue_case request_issue_cases[] = {
    {R"({})", "prompt", issue_code::missing},
    {R"({"prompt":null})", "prompt", issue_code::missing},
    {R"({"prompt":5})", "prompt", issue_code::invalid_value},
    {R"({"prompt":"p","model_name":5})", "model_name", issue_code::invalid_value},
    {R"({"prompt":"p","negative_prompt":[]})", "negative_prompt", issue_code::invalid_value},
    {R"({"prompt":"p","webhookurl":{}})", "webhookurl", issue_code::invalid_value},
    {R"({"prompt":"p","scale":"5:4"})", "scale", issue_code::invalid_value},
    {R"({"prompt":"p","scale":"original"})", "scale", issue_code::invalid_value},
    {R"({"prompt":"p","scale":1})", "scale", issue_code::invalid_value},
    {R"({"prompt":"p","resolution":"8k"})", "resolution", issue_code::invalid_value},
    {R"({"prompt":"p","resolution":"4K"})", "resolution", issue_code::invalid_value},
    {R"({"prompt":"p","resolution":1080})", "resolution", issue_code::invalid_value},
    {R"({"prompt":"p","batch_quantity":"2"})", "batch_quantity", issue_code::invalid_value},
    {R"({"prompt":"p","batch_quantity":2.5})", "batch_quantity", issue_code::invalid_value},
    {R"({"prompt":"p","batch_quantity":true})", "batch_quantity", issue_code::invalid_value},
    {R"({"prompt":"p","batch_quantity":4294967296})", "batch_quantity", issue_code::out_of_range},
    {R"({"prompt":"p","batch_quantity":1e10})", "batch_quantity", issue_code::out_of_range},
    {R"({"prompt":"p","similar":"0.5"})", "similar", issue_code::invalid_value},
    {R"({"prompt":"p","similar":[0.5]})", "similar", issue_code::invalid_value},
    {R"({"prompt":"p","source_images":"https://x/y.png"})", "source_images", issue_code::invalid_value},
    {R"({"prompt":"p","source_images":["https://x/y.png",5]})", "source_images[1]", issue_code::invalid_value},
};

// A body is one request: bytes after it (a second object, garbage) are refused, white space
// is not (the batch tool reads each manifest line so: a line holding two requests ran only
// the first; helper-27's mutation J3).
BOOST_AUTO_TEST_CASE(request_with_bytes_after_it_is_refused)
{
    for (const char* body : {R"({"prompt":"x"} garbage)", R"({"prompt":"a"}{"prompt":"b"})"}) {
        error_code ec;
        diagnostics diag;
        decode_image_request(body, ec, diag);
        BOOST_TEST((ec == error::bad_response), body << ": " << ec.message());
        BOOST_TEST(contains(diag.client_message, "extra data"), diag.client_message);
    }
    error_code ec;
    diagnostics diag;
    const image_request r = decode_image_request(" {\"prompt\":\"x\"} \n\t", ec, diag);
    BOOST_TEST(!ec, ec.message() << ": " << diag.client_message);
    BOOST_TEST(r.prompt == "x");
}

BOOST_DATA_TEST_CASE(request_issues, bdata::xrange(std::size(request_issue_cases)), index)
{
    const request_issue_case& c = request_issue_cases[index];
    BOOST_TEST_CONTEXT(c.body)
    {
        error_code ec;
        diagnostics diag;
        BOOST_CHECK_NO_THROW(decode_image_request(c.body, ec, diag));
        BOOST_TEST((ec == error::validation_failed));
        BOOST_TEST_REQUIRE(diag.issues.size() == 1u);
        BOOST_TEST(diag.issues[0].field == c.field);
        BOOST_TEST((diag.issues[0].code == c.code));
        BOOST_TEST((diag.issues[0].severity == severity::error));
        BOOST_TEST(!diag.issues[0].message.empty());
    }
}

BOOST_AUTO_TEST_CASE(request_collects_every_issue)
{
    error_code ec;
    diagnostics diag;
    image_request r = decode_image_request(
        R"({"prompt":1,"scale":"x","similar":"y","source_images":[1,"https://ok/",2],"resolution":"4k"})", ec, diag);
    BOOST_TEST((ec == error::validation_failed));
    std::vector<std::string> fields;
    for (const auto& i : diag.issues) fields.push_back(i.field);
    const std::vector<std::string> expected = {"prompt", "source_images[0]", "source_images[2]", "scale", "similar"};
    BOOST_TEST(fields == expected, boost::test_tools::per_element());
    // The well-typed fields are still decoded.
    BOOST_TEST((r.resolution == image_resolution::k4));
    BOOST_TEST(r.source_images == std::vector<std::string>{"https://ok/"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(request_lenient_forms)
{
    error_code ec;
    diagnostics diag;
    image_request r = decode_image_request(
        R"({"prompt":"p","batch_quantity":2.0,"similar":1,"scale":null,"unknown":{"a":1}})", ec, diag);
    BOOST_TEST(!ec);
    BOOST_TEST(diag.issues.empty());
    BOOST_TEST((r.batch_quantity == 2));
    BOOST_TEST((r.similar == 1.0));
    BOOST_TEST(!r.scale.has_value());
    BOOST_TEST(r.prompt == "p");
}

BOOST_AUTO_TEST_CASE(request_not_an_object)
{
    for (const char* body : {"", "[]", "\"prompt\"", "{\"prompt\":", "nope"}) {
        error_code ec;
        diagnostics diag;
        decode_image_request(body, ec, diag);
        BOOST_TEST((ec == error::bad_response), body);
        BOOST_TEST(diag.issues.empty());
        BOOST_TEST(!diag.client_message.empty());
    }
}

BOOST_AUTO_TEST_CASE(seed_requests_decode_clean)
{
    for (const char* name : {"seed_text_to_image_request.json", "seed_image_to_image_request.json",
                             "seed_curl_request.json"}) {
        error_code ec;
        diagnostics diag;
        image_request r = decode_image_request(read_fixture(name), ec, diag);
        BOOST_TEST(!ec, name);
        BOOST_TEST((r.batch_quantity == 1));
        BOOST_TEST((r.resolution == image_resolution::k4));
    }
}


// decode_create_response first tries a SAX decode straight into image_task and falls back to
// the JSON-value reader for anything it does not expect. The fast path must take the common
// replies (else the optimisation is gone) and must never succeed where the reader would give
// another result: for every body here, a fast success equals the reader's result field by field.
// Both decoders are internals of impl/json_decode.ipp, which a compiled-mode TU does not see
// (AKOOL_SEPARATE_COMPILATION): this case runs in the header-only configurations.
#ifndef AKOOL_SEPARATE_COMPILATION
namespace {

struct agreement_case {
    std::string body;
    bool fast_expected;  // the fast path must take it
};

std::vector<agreement_case> agreement_cases()
{
    return {
        {read_fixture("peers/create.json"), true},
        {read_fixture("peers/create_batch4.json"), true},
        {read_fixture("seed_create_response.json"), true},
        {read_fixture("seed_create_batch_response.json"), true},
        {R"({"code":1000,"data":{"_id":"a","image_status":1}})", true},
        {R"({"data":{"image_status":3,"_id":"b"},"code":1000,"msg":"OK"})", true},
        {R"( {"code":1000,"msg":{"x":[1,{"y":null}]},"data":[{"_id":"a","image_status":1},{"_id":"b","image_status":4,"sub_type":40002}]} )",
         true},
        {R"({"code":1000,"data":{"_id":"\u0041\"\\\/\n","image_status":1,"prompt":"caf\u00e9 \ud83d\ude00","x":{"_id":5}}})",
         true},
        {R"({"code":1000,"data":{"_id":"a","image_status":1,"uid":9223372036854775807,"create_time":-5,"from":0}})",
         true},
        {R"({"extra":{"deep":[1,2,{"x":null}]},"code":1000,"msg":"OK","trace":"abc","data":{"new_field":[true],"_id":"a","image_status":2,"buttons":[]}})",
         true},
        // Replies the fast path leaves to the reader (which may accept or refuse them).
        {R"({"code":1000,"msg":5,"data":{"_id":"a","image_status":1,"uid":"378337","team_id":5,"create_time":1e400}})",
         false},
        {R"({"code":1000,"data":{"_id":"a","image_status":1,"uid":18446744073709551615}})", false},
        {R"({"code":1000,"data":{"_id":"a","image_status":1,"sub_type":4294967296}})", false},
        {R"({"code":1000,"data":{"_id":"a","_id":"b","image_status":1}})", false},
        {R"({"code":1000,"code":1000,"data":{"_id":"a","image_status":1}})", false},
        {R"({"code":1000,"data":{"_id":"a","image_status":1},"data":{"_id":"b","image_status":1}})", false},
        // A repeated key of another type (Boost.JSON keeps the last, whose type the reader
        // refuses here; a repeat of the same type is read as its last value).
        {R"({"code":1000,"code":"x","data":{"_id":"a","image_status":1}})", false},
        {R"({"code":1000,"data":{"_id":"a","image_status":1},"data":"x"})", false},
        {R"({"code":1003,"msg":"bad","data":{"_id":"a","image_status":1}})", false},
        {R"({"code":"1000","data":{"_id":"a","image_status":1}})", false},
        {R"({"code":1000.0,"data":{"_id":"a","image_status":1}})", false},
        {R"({"code":1000,"data":{"_id":"","image_status":1}})", false},
        {R"({"code":1000,"data":{"_id":"a"}})", false},
        {R"({"code":1000,"data":{"image_status":1}})", false},
        {R"({"code":1000,"data":{"_id":"a","image_status":"1"}})", false},
        {R"({"code":1000,"data":{"_id":"a","image_status":2147483648}})", false},
        {R"({"code":1000,"data":[]})", false},
        {R"({"code":1000,"data":[{"_id":"a","image_status":1},5]})", false},
        {R"({"code":1000,"data":null})", false},
        {R"({"code":1000})", false},
        {R"({"data":{"_id":"a","image_status":1}})", false},
        {R"([{"code":1000}])", false},
        {R"("code")", false},
        {R"({"code":1000,"data":{"_id":"a","image_status":1}} x)", false},
        {R"({"code":1000,"data":{"_id":"a","image_status":1})", false},
        {R"({"code":1000,"data":{"_id":"a","image_status":1,"prompt":5}})", false},
        {R"({"code":1000,"data":{"_id":["a"],"image_status":1}})", false},
        {"", false},
    };
}

void check_same(const image_task& a, const image_task& b)
{
    BOOST_TEST(a.id == b.id);
    BOOST_TEST(static_cast<int>(a.status) == static_cast<int>(b.status));
    BOOST_TEST((a.uid == b.uid));
    BOOST_TEST(a.team_id == b.team_id);
    BOOST_TEST((a.create_time == b.create_time));
    BOOST_TEST(a.prompt == b.prompt);
    BOOST_TEST(a.origin_prompt == b.origin_prompt);
    BOOST_TEST(a.source_image == b.source_image);
    BOOST_TEST((a.sub_status == b.sub_status));
    BOOST_TEST((a.deduction_credit == b.deduction_credit));
    BOOST_TEST(a.model_name == b.model_name);
    BOOST_TEST(a.provider == b.provider);
    BOOST_TEST((a.type == b.type));
    BOOST_TEST((a.from == b.from));
    BOOST_TEST((a.sub_type == b.sub_type));
    BOOST_TEST(a.file_name == b.file_name);
}

} // namespace

BOOST_DATA_TEST_CASE(fast_create_decoder_agrees_with_the_reader, bdata::xrange(agreement_cases().size()), index)
{
    const agreement_case c = agreement_cases()[index];
    std::vector<image_task> fast;
    bool took = akool::detail::json_codec::decode_create_fast(c.body, fast);
    BOOST_TEST(took == c.fast_expected, "body: " << c.body);
    error_code ec;
    diagnostics diag;
    std::vector<image_task> dom = akool::detail::json_codec::decode_create_dom(c.body, ec, diag);
    if (took) {
        BOOST_TEST_REQUIRE(!ec, "the reader refuses what the fast path took: " << diag.client_message);
        BOOST_TEST_REQUIRE(fast.size() == dom.size());
        for (std::size_t i = 0; i < fast.size(); ++i) check_same(fast[i], dom[i]);
    }
    // The public decoder gives the reader's result in every case.
    error_code ec2;
    diagnostics diag2;
    std::vector<image_task> pub = decode_create_response(c.body, ec2, diag2);
    BOOST_TEST(ec2 == ec);
    BOOST_TEST(diag2.client_message == diag.client_message);
    BOOST_TEST(diag2.api_code == diag.api_code);
    BOOST_TEST_REQUIRE(pub.size() == dom.size());
    for (std::size_t i = 0; i < pub.size(); ++i) check_same(pub[i], dom[i]);
}
#endif

BOOST_AUTO_TEST_SUITE_END()
