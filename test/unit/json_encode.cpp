// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#define BOOST_TEST_MODULE json_encode
#include <boost/test/unit_test.hpp>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <akool/json.hpp>
#include <akool/detail/utf8.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_to.hpp>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <new>
#include <sstream>
#include <string>
#include <vector>

// --- Allocation counter: every operator new of the process goes through here. ---------------
// Not under ThreadSanitizer, whose runtime defines operator new itself (it links statically):
// there the allocation checks below are skipped, the other configurations make them.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define AKOOL_TEST_NO_NEW_REPLACEMENT
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define AKOOL_TEST_NO_NEW_REPLACEMENT
#endif

namespace {
std::atomic<long> g_allocations{0};
#ifdef AKOOL_TEST_NO_NEW_REPLACEMENT
constexpr bool counts_allocations = false;
#else
constexpr bool counts_allocations = true;
#endif
}

#ifndef AKOOL_TEST_NO_NEW_REPLACEMENT

void* operator new(std::size_t n)
{
    ++g_allocations;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n)
{
    ++g_allocations;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace bdata = boost::unit_test::data;
namespace json = boost::json;
using namespace akool;

namespace {

std::string read_fixture(const std::string& name)
{
    std::ifstream in(std::string(AKOOL_TEST_SOURCE_DIR) + "/test/data/" + name, std::ios::binary);
    BOOST_TEST_REQUIRE(in.good(), "cannot open fixture " << name);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Removes the white space outside strings: the seed's examples in their wire form.
std::string minify(const std::string& text)
{
    std::string out;
    bool in_string = false, escaped = false;
    for (char c : text) {
        if (in_string) {
            out.push_back(c);
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
            out.push_back(c);
        } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
            out.push_back(c);
        }
    }
    return out;
}

image_request seed_text_to_image()
{
    image_request r;
    r.model_name = std::string(models::text_to_image);
    r.negative_prompt = "low quality, worst quality, blurry, out of focus";
    r.prompt = "A majestic mountain landscape at sunset with golden light";
    r.scale = image_scale::ratio_16_9;
    r.resolution = image_resolution::k4;
    r.batch_quantity = 1;
    return r;
}

image_request seed_image_to_image()
{
    image_request r;
    r.model_name = std::string(models::image_to_image);
    r.negative_prompt = "low quality, worst quality, blurry, out of focus";
    r.prompt = "Transform this into a watercolor painting style";
    r.source_images = {"https://example.com/source-image.jpg"};
    r.scale = image_scale::ratio_1_1;
    r.resolution = image_resolution::k4;
    r.similar = 0.7;
    r.batch_quantity = 1;
    return r;
}

image_request seed_curl()
{
    image_request r = image_request::text_to_image("A majestic mountain landscape at sunset with golden light");
    r.scale = image_scale::ratio_16_9;
    r.resolution = image_resolution::k4;
    r.batch_quantity = 1;
    return r;
}

void check_matches_fixture(const image_request& req, const std::string& fixture)
{
    std::string text = read_fixture(fixture);
    std::string body = encode_image_request(req);
    BOOST_TEST(json::parse(body) == json::parse(text));
    BOOST_TEST(body == minify(text));
}

} // namespace

BOOST_AUTO_TEST_SUITE(json_encode)

BOOST_AUTO_TEST_CASE(seed_text_to_image_request)
{
    check_matches_fixture(seed_text_to_image(), "seed_text_to_image_request.json");
}

BOOST_AUTO_TEST_CASE(seed_image_to_image_request)
{
    check_matches_fixture(seed_image_to_image(), "seed_image_to_image_request.json");
}

BOOST_AUTO_TEST_CASE(seed_curl_request)
{
    check_matches_fixture(seed_curl(), "seed_curl_request.json");
}

BOOST_AUTO_TEST_CASE(key_order_with_every_field)
{
    image_request r = seed_image_to_image();
    r.webhook_url = "https://example.com/hook";
    BOOST_TEST(encode_image_request(r) ==
               R"({"model_name":"wavespeed-ai/flux-kontext-dev",)"
               R"("negative_prompt":"low quality, worst quality, blurry, out of focus",)"
               R"("prompt":"Transform this into a watercolor painting style",)"
               R"("source_images":["https://example.com/source-image.jpg"],"scale":"1:1","resolution":"4k",)"
               R"("similar":0.7,"batch_quantity":1,"webhookurl":"https://example.com/hook"})");
}

BOOST_AUTO_TEST_CASE(unset_fields_omitted)
{
    BOOST_TEST(encode_image_request(image_request::text_to_image("cat")) == R"({"prompt":"cat"})");
    // An empty prompt is still written: the service reports it, not the encoder.
    BOOST_TEST(encode_image_request(image_request{}) == R"({"prompt":""})");

    image_request r = image_request::text_to_image("cat");
    r.source_images.clear();
    r.resolution = image_resolution::p1080;
    BOOST_TEST(encode_image_request(r) == R"({"prompt":"cat","resolution":"1080p"})");

    r = image_request::image_to_image("cat", "https://a/b.png");
    r.source_images.push_back("https://c/d.png");
    r.scale = image_scale::original;
    BOOST_TEST(encode_image_request(r) ==
               R"({"prompt":"cat","source_images":["https://a/b.png","https://c/d.png"],"scale":"Original"})");
}

// Each optional field on its own appears once, under its wire name, and nothing else is added.
static const char* const single_field_names[] = {"model_name", "negative_prompt", "source_images", "scale",
                                                 "resolution", "similar", "batch_quantity", "webhookurl"};

BOOST_DATA_TEST_CASE(single_optional_field, bdata::xrange(8), index)
{
    image_request r = image_request::text_to_image("p");
    switch (index) {
    case 0: r.model_name = "m"; break;
    case 1: r.negative_prompt = "n"; break;
    case 2: r.source_images = {"https://x/y.png"}; break;
    case 3: r.scale = image_scale::ratio_9_16; break;
    case 4: r.resolution = image_resolution::p1080; break;
    case 5: r.similar = 0.25; break;
    case 6: r.batch_quantity = 3; break;
    case 7: r.webhook_url = "https://h/"; break;
    }
    json::value v = json::parse(encode_image_request(r));
    BOOST_TEST_REQUIRE(v.is_object());
    BOOST_TEST(v.get_object().size() == 2u);
    BOOST_TEST(v.get_object().contains(single_field_names[index]));
    BOOST_TEST(v.get_object().contains("prompt"));
}

static const std::string escape_samples[] = {
    "",
    "plain",
    "say \"cheese\"",
    "back\\slash",
    "line\nbreak\r\ntab\t",
    std::string("nul\0byte", 8),
    "\x01\x02\x1f\x7f",
    "\b\f",
    "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x8c\x84",  // café 日本 🌄
    "</script>",
    std::string(100, '"'),                                   // escapes across the encoder's chunks
    std::string(97, 'a') + "\n\xe2\x82\xac\"" + std::string(60, '\x05'),
};

BOOST_DATA_TEST_CASE(escaping_round_trips, bdata::xrange(std::size(escape_samples)), index)
{
    const std::string& s = escape_samples[index];
    image_request r = image_request::text_to_image(s);
    r.negative_prompt = s;
    r.source_images = {s};
    std::string body = encode_image_request(r);

    for (unsigned char c : body) BOOST_TEST(c >= 0x20u, "raw control byte in the body");

    json::error_code jec;
    json::value v = json::parse(body, jec);
    BOOST_TEST_REQUIRE(!jec, jec.message());
    BOOST_TEST(json::value_to<std::string>(v.at("prompt")) == s);
    BOOST_TEST(json::value_to<std::string>(v.at("negative_prompt")) == s);
    BOOST_TEST(json::value_to<std::string>(v.at("source_images").at(0)) == s);

    error_code ec;
    diagnostics diag;
    image_request back = decode_image_request(body, ec, diag);
    BOOST_TEST(!ec);
    BOOST_TEST(back.prompt == s);
}

// Text that is not UTF-8 (which validate reports, so the client never sends it) still
// encodes to valid JSON: each ill-formed sequence becomes U+FFFD, the rest is kept.
struct repair_case {
    std::string in;
    std::string out;
};
static const repair_case repair_cases[] = {
    {"caf\xe9", "caf\xef\xbf\xbd"},
    {"a\x80" "b", "a\xef\xbf\xbd" "b"},
    {"\xe6\x97", "\xef\xbf\xbd"},                        // one maximal subpart, one U+FFFD
    {"\xe6\x97" "abc", "\xef\xbf\xbd" "abc"},
    {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},            // overlong: each byte replaced
    {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},  // surrogate
    {"\xf0\x9f\x8c\x84\xff", "\xf0\x9f\x8c\x84\xef\xbf\xbd"},
    {std::string(45, 'a') + "\xff\"", std::string(45, 'a') + "\xef\xbf\xbd\""},  // across a chunk
};

BOOST_DATA_TEST_CASE(invalid_utf8_encodes_to_valid_json, bdata::xrange(std::size(repair_cases)), index)
{
    const repair_case& c = repair_cases[index];
    image_request r = image_request::text_to_image(c.in);
    r.negative_prompt = c.in;
    r.model_name = c.in;
    std::string body = encode_image_request(r);
    json::error_code jec;
    json::value v = json::parse(body, jec);  // Boost.JSON refuses invalid UTF-8
    BOOST_TEST_REQUIRE(!jec, jec.message() << ": " << body);
    BOOST_TEST(json::value_to<std::string>(v.at("prompt")) == c.out);
    BOOST_TEST(json::value_to<std::string>(v.at("negative_prompt")) == c.out);
    BOOST_TEST(json::value_to<std::string>(v.at("model_name")) == c.out);
    // The server-side encoders share the writer.
    json::parse(encode_error_response(1003, c.in), jec);
    BOOST_TEST(!jec);
}

BOOST_AUTO_TEST_CASE(escape_forms)
{
    BOOST_TEST(encode_image_request(image_request::text_to_image("a\"b\\c\nd\x01")) ==
               R"({"prompt":"a\"b\\c\nd\u0001"})");
    // UTF-8 passes through unescaped.
    BOOST_TEST(encode_image_request(image_request::text_to_image("\xc3\xa9")) == "{\"prompt\":\"\xc3\xa9\"}");
}

// The encoder escapes by hand (no Boost.JSON in json_encode.hpp): byte for byte what Boost.JSON's
// serializer writes, for every ASCII byte alone, after text and before text, and for UTF-8.
BOOST_AUTO_TEST_CASE(escapes_as_boost_json_does)
{
    std::vector<std::string> texts;
    for (int c = 0; c < 0x80; ++c) {
        std::string one(1, static_cast<char>(c));
        texts.push_back(one);
        texts.push_back("ab" + one + "cd");
        texts.push_back(one + one + "x" + one);
    }
    texts.push_back("\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\x7f");
    texts.push_back(std::string(100, '\n') + std::string(100, 'x') + std::string(100, '"'));
    for (const std::string& t : texts) {
        std::string expected = "{\"code\":7,\"msg\":" + json::serialize(json::string_view(t.data(), t.size())) + "}";
        BOOST_TEST(encode_error_response(7, t) == expected);
    }
}

// The encoder and the UTF-8 check scan eight bytes at a time: every byte value is found at
// every offset, within a word, at its edges and in the tail after the last whole word.
BOOST_DATA_TEST_CASE(each_byte_at_each_offset_of_the_word_scans, bdata::xrange(27), offset)
{
    const std::size_t at = static_cast<std::size_t>(offset);
    for (int c = 0; c < 0x100; ++c) {
        std::string t(27, 'a');
        t[at] = static_cast<char>(c);
        std::string shown = t;  // a lone byte >= 0x80 is not UTF-8: it becomes U+FFFD
        if (c >= 0x80) shown.replace(at, 1, "\xef\xbf\xbd");
        const std::string expected =
            "{\"code\":7,\"msg\":" + json::serialize(json::string_view(shown.data(), shown.size())) + "}";
        BOOST_TEST(encode_error_response(7, t) == expected, "byte " << c << " at " << at);
        BOOST_TEST(akool::detail::utf8_invalid_offset(t) == (c >= 0x80 ? at : std::string_view::npos),
                   "byte " << c << " at " << at);
    }
    std::string t(27, 'a');
    t.replace(at, 2, "\xc3\xa9");  // a well-formed two-byte character there is kept as it is
    BOOST_TEST(akool::detail::utf8_invalid_offset(t) == std::string_view::npos);
    BOOST_TEST(encode_error_response(7, t) == "{\"code\":7,\"msg\":\"" + t + "\"}");
}

struct similar_case {
    double value;
    const char* text;
};
static const similar_case similar_table[] = {
    {0.7, "0.7"}, {0.5, "0.5"}, {1.0, "1"},    {0.0, "0"},          {0.25, "0.25"},
    {0.1, "0.1"}, {0.3, "0.3"}, {0.05, "0.05"}, {0.123456789, "0.123456789"}, {1.0 / 3, "0.3333333333333333"},
    {-0.0, "0"},  // "-0" would read back as the integer 0 and encode again as "0"
};

BOOST_DATA_TEST_CASE(similar_formatting, bdata::xrange(std::size(similar_table)), index)
{
    const similar_case& c = similar_table[index];
    image_request r = image_request::image_to_image("p", "https://x/y.png");
    r.similar = c.value;
    std::string body = encode_image_request(r);
    BOOST_TEST(body.find(std::string("\"similar\":") + c.text + "}") != std::string::npos, body);
    // It reads back as the very same double.
    BOOST_TEST(json::parse(body).at("similar").to_number<double>() == c.value);
}

// batch_quantity is written as its decimal digits whatever its value (the validator, not the
// encoder, refuses one out of range): signs, powers of ten and the extremes of int, and it
// reads back as the same number.
static const int batch_values[] = {std::numeric_limits<int>::min(), -1000, -10, -9, -1, 0, 1, 4, 9, 10, 100,
                                   std::numeric_limits<int>::max()};

BOOST_DATA_TEST_CASE(batch_quantity_digits, bdata::make(batch_values), n)
{
    image_request r = image_request::text_to_image("p");
    r.batch_quantity = n;
    const std::string body = encode_image_request(r);
    BOOST_TEST(body.find("\"batch_quantity\":" + std::to_string(n) + "}") != std::string::npos, body);
    BOOST_TEST(json::parse(body).at("batch_quantity").to_number<int>() == n);
}

// test/fuzz/request_body.cpp's finding: a body whose similar is -0e7 (negative zero) encoded as
// "-0", which decodes to 0 and encodes as "0": the encoding was not stable.
BOOST_AUTO_TEST_CASE(negative_zero_similar_encodes_stably)
{
    akool::error_code ec;
    akool::diagnostics diag;
    image_request r = decode_image_request(R"({"prompt":"p","similar":-0e7,"batch_quantity":1})", ec, diag);
    BOOST_TEST_REQUIRE(!ec, diag.summary());
    BOOST_TEST_REQUIRE(r.similar.has_value());
    const std::string once = encode_image_request(r);
    image_request back = decode_image_request(once, ec, diag);
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST(encode_image_request(back) == once);
}

BOOST_AUTO_TEST_CASE(similar_not_finite_is_null)
{
    image_request r = image_request::image_to_image("p", "https://x/y.png");
    r.similar = std::numeric_limits<double>::quiet_NaN();
    BOOST_TEST(encode_image_request(r) == R"({"prompt":"p","source_images":["https://x/y.png"],"similar":null})");
    r.similar = std::numeric_limits<double>::infinity();
    BOOST_TEST(json::parse(encode_image_request(r)).at("similar").is_null());
}

BOOST_AUTO_TEST_CASE(token_request)
{
    BOOST_TEST(encode_token_request({"abcdefghijklmnop", "012345678901234567890123"}) ==
               R"({"clientId":"abcdefghijklmnop","clientSecret":"012345678901234567890123"})");
    BOOST_TEST(encode_token_request({"a\"b", "c\\d"}) == R"({"clientId":"a\"b","clientSecret":"c\\d"})");
}

BOOST_AUTO_TEST_CASE(append_keeps_prefix_and_does_not_allocate_with_capacity)
{
    image_request r = seed_image_to_image();
    r.webhook_url = "https://example.com/hook?x=\"1\"";
    r.prompt = std::string(300, '\n');  // long, escape-heavy: many serializer chunks
    const std::string expected = encode_image_request(r);

    std::string out = "prefix:";
    out.reserve(out.size() + expected.size());
    const auto capacity = out.capacity();
    const long before = g_allocations.load();
    encode_image_request(r, out);
    const long after = g_allocations.load();
    if (counts_allocations) BOOST_TEST(after - before == 0);
    BOOST_TEST(out.capacity() == capacity);
    BOOST_TEST(out == "prefix:" + expected);

    // Without capacity it still produces the same text (and the counter does see allocations).
    std::string small;
    const long before_small = g_allocations.load();
    encode_image_request(r, small);
    if (counts_allocations) BOOST_TEST(g_allocations.load() - before_small > 0);
    BOOST_TEST(small == expected);
}

// The encoder and the server-side decoder agree on every field, over a matrix of requests.
BOOST_DATA_TEST_CASE(round_trip_matrix,
                     bdata::xrange(all_scales.size()) * bdata::xrange(all_resolutions.size()) * bdata::xrange(4),
                     scale_index, resolution_index, variant)
{
    image_request r = variant % 2 == 0 ? image_request::text_to_image("a \"quoted\" prompt\n")
                                       : image_request::image_to_image("to watercolor", "https://example.com/s.jpg");
    r.scale = all_scales[scale_index];
    r.resolution = all_resolutions[resolution_index];
    if (variant >= 2) {
        r.batch_quantity = 1 + static_cast<int>(scale_index % 4);
        r.similar = static_cast<double>(scale_index) / 10.0;
        r.negative_prompt = "blurry";
        r.webhook_url = "https://example.com/hook";
        r.model_name = std::string(effective_model(r));
    }

    error_code ec;
    diagnostics diag;
    image_request back = decode_image_request(encode_image_request(r), ec, diag);
    BOOST_TEST_REQUIRE(!ec, ec.message());
    BOOST_TEST(diag.issues.empty());
    BOOST_TEST(back.prompt == r.prompt);
    BOOST_TEST((back.model_name == r.model_name));
    BOOST_TEST(back.source_images == r.source_images, boost::test_tools::per_element());
    BOOST_TEST((back.scale == r.scale));
    BOOST_TEST((back.resolution == r.resolution));
    BOOST_TEST((back.batch_quantity == r.batch_quantity));
    BOOST_TEST((back.similar == r.similar));
    BOOST_TEST((back.negative_prompt == r.negative_prompt));
    BOOST_TEST((back.webhook_url == r.webhook_url));
}

BOOST_AUTO_TEST_SUITE_END()
