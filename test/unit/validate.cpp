// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#define BOOST_TEST_MODULE validate
#include <boost/test/unit_test.hpp>

#include <akool/validate.hpp>

// The validator must stay light: a TU that only builds and checks requests pulls in no JSON,
// networking or TLS header. (The test PCH force-includes those headers, so this check runs in
// builds with AKOOL_TEST_PCH=OFF; test/standalone checks the same for every build.)
#if !defined(AKOOL_TEST_PCH_HPP) &&                                                             \
    (defined(BOOST_JSON_DETAIL_CONFIG_HPP) || defined(BOOST_ASIO_DETAIL_CONFIG_HPP) ||           \
     defined(BOOST_BEAST_CORE_DETAIL_CONFIG_HPP) || defined(OPENSSL_OPENSSLV_H))
#error "akool/validate.hpp must not include Boost.JSON, Asio, Beast or OpenSSL"
#endif

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <climits>
#include <cstddef>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

// How Boost.Test prints the enums in a data-driven case's log.
namespace akool {
inline std::ostream& boost_test_print_type(std::ostream& os, image_scale s)
{
    return os << "scale " << static_cast<int>(s) << " \"" << to_string(s) << '"';
}
inline std::ostream& boost_test_print_type(std::ostream& os, image_resolution r)
{
    return os << "resolution " << static_cast<int>(r) << " \"" << to_string(r) << '"';
}
} // namespace akool

namespace data = boost::unit_test::data;
using akool::image_request;
using akool::image_resolution;
using akool::image_scale;
using akool::issue_code;
using akool::validation_issue;

namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
constexpr double inf_v = std::numeric_limits<double>::infinity();

const char* const good_source = "https://example.com/source-image.jpg";

// "field code severity", the identity of a finding, so that a whole result compares at once.
std::string key(const validation_issue& i)
{
    return i.field + " " + akool::to_string(i.code) + (i.severity == akool::severity::error ? " error" : " warning");
}

// Validates `req` and checks the findings' fields, codes and severities, in order, and that
// every finding carries a one-line message. Returns the findings for further checks.
std::vector<validation_issue> check(const image_request& req, const std::vector<std::string>& expected)
{
    std::vector<validation_issue> issues = akool::validate(req);
    std::vector<std::string> got;
    for (const auto& i : issues) {
        got.push_back(key(i));
        BOOST_TEST(!i.message.empty(), "finding " << key(i) << " has an empty message");
        BOOST_TEST(i.message.find('\n') == std::string::npos, "message is not one line: " << i.message);
    }
    BOOST_TEST(got == expected, boost::test_tools::per_element());
    bool want_error = false;
    for (const auto& e : expected)
        if (e.size() > 6 && e.compare(e.size() - 6, 6, " error") == 0) want_error = true;
    BOOST_TEST(akool::has_errors(issues) == want_error);
    return issues;
}

image_request text_request()
{
    return image_request::text_to_image("A majestic mountain landscape at sunset with golden light");
}

image_request image_request_with(std::size_t sources)
{
    image_request r = text_request();
    for (std::size_t i = 0; i < sources; ++i)
        r.source_images.push_back("https://example.com/source-" + std::to_string(i) + ".jpg");
    return r;
}

// A named request and the findings it must produce.
struct request_case {
    const char* name;
    image_request req;
    std::vector<std::string> expected;
};

std::ostream& operator<<(std::ostream& os, const request_case& c) { return os << c.name; }

} // namespace

BOOST_AUTO_TEST_SUITE(validate_suite)

// ---------------------------------------------------------------------------------------------
// Clean requests

BOOST_AUTO_TEST_CASE(seed_text_to_image_example_is_clean)
{
    // The service's "Text-to-Image Request" example.
    image_request r;
    r.model_name = std::string(akool::models::text_to_image);
    r.negative_prompt = "low quality, worst quality, blurry, out of focus";
    r.prompt = "A majestic mountain landscape at sunset with golden light";
    r.scale = image_scale::ratio_16_9;
    r.resolution = image_resolution::k4;
    r.batch_quantity = 1;
    check(r, {});
}

BOOST_AUTO_TEST_CASE(seed_image_to_image_example_is_clean)
{
    // The service's "Image-to-Image Request" example.
    image_request r;
    r.model_name = std::string(akool::models::image_to_image);
    r.negative_prompt = "low quality, worst quality, blurry, out of focus";
    r.prompt = "Transform this into a watercolor painting style";
    r.source_images = {"https://example.com/source-image.jpg"};
    r.scale = image_scale::ratio_1_1;
    r.resolution = image_resolution::k4;
    r.similar = 0.7;
    r.batch_quantity = 1;
    check(r, {});
}

BOOST_AUTO_TEST_CASE(seed_curl_example_is_clean)
{
    image_request r = text_request();
    r.scale = image_scale::ratio_16_9;
    r.resolution = image_resolution::k4;
    r.batch_quantity = 1;
    check(r, {});
}

BOOST_AUTO_TEST_CASE(factory_requests_are_clean)
{
    check(image_request::text_to_image("a red fox"), {});
    check(image_request::image_to_image("make it a watercolour", good_source), {});
}

BOOST_AUTO_TEST_CASE(validate_is_repeatable_and_leaves_the_request_alone)
{
    image_request r = image_request_with(2);
    r.batch_quantity = 7;
    const image_request copy = r;
    auto a = akool::validate(r);
    auto b = akool::validate(r);
    BOOST_TEST_REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        BOOST_TEST(key(a[i]) == key(b[i]));
        BOOST_TEST(a[i].message == b[i].message);
    }
    BOOST_TEST(r.source_images == copy.source_images);
    BOOST_TEST(*r.batch_quantity == 7);
}

// ---------------------------------------------------------------------------------------------
// prompt

static const char* const bad_prompts[] = {"", " ", "\t", "\n\r  \t", "\v\f"};
static const char* const bad_prompt_keys[] = {"prompt missing error", "prompt blank error", "prompt blank error",
                                              "prompt blank error", "prompt blank error"};

BOOST_DATA_TEST_CASE(prompt_missing_or_blank, data::make(bad_prompts) ^ data::make(bad_prompt_keys), prompt, expected)
{
    image_request r;
    r.prompt = prompt;
    check(r, {expected});
}

static const char* const good_prompts[] = {"a", "  padded  ", "\tx", "日本の山", "😀"};

BOOST_DATA_TEST_CASE(prompt_with_content_is_accepted, data::make(good_prompts), prompt)
{
    check(image_request::text_to_image(prompt), {});
}

BOOST_AUTO_TEST_CASE(default_constructed_request_reports_only_the_missing_prompt)
{
    check(image_request{}, {"prompt missing error"});
}

// ---------------------------------------------------------------------------------------------
// batch_quantity

static const int batches[] = {INT_MIN, -1, 0, 1, 2, 3, 4, 5, 100, INT_MAX};
static const bool batch_ok[] = {false, false, false, true, true, true, true, false, false, false};

BOOST_DATA_TEST_CASE(batch_quantity_bounds, data::make(batches) ^ data::make(batch_ok), n, ok)
{
    image_request r = text_request();
    r.batch_quantity = n;
    if (ok) {
        check(r, {});
    } else {
        auto issues = check(r, {"batch_quantity out_of_range error"});
        const std::string& m = issues.at(0).message;
        BOOST_TEST(m.find(std::to_string(n)) != std::string::npos, m);
        BOOST_TEST(m.find('1') != std::string::npos, m);
        BOOST_TEST(m.find('4') != std::string::npos, m);
        BOOST_TEST(m.find("charged") != std::string::npos, m);
    }
}

// ---------------------------------------------------------------------------------------------
// similar

static const double similars[] = {-0.01, -0.0, 0.0, 0.5, 1.0, 1.01, -1e-9, 1.0 + 1e-9, nan_v, inf_v, -inf_v};
static const char* const similar_errors[] = {"similar out_of_range error", "", "", "", "",
                                             "similar out_of_range error", "similar out_of_range error",
                                             "similar out_of_range error", "similar not_finite error",
                                             "similar not_finite error", "similar not_finite error"};

BOOST_DATA_TEST_CASE(similar_bounds_by_mode,
                     (data::make(similars) ^ data::make(similar_errors)) * data::make({false, true}), v,
                     expected_error, with_source)
{
    image_request r = image_request_with(with_source ? 1 : 0);
    r.similar = v;
    std::vector<std::string> expected;
    if (*expected_error) expected.push_back(expected_error);
    // The service uses similar only for image-to-image: a text request gets a warning.
    if (!with_source) expected.push_back("similar ignored warning");
    check(r, expected);
}

BOOST_AUTO_TEST_CASE(similar_unset_gives_no_finding)
{
    check(text_request(), {});
    check(image_request_with(1), {});
}

BOOST_AUTO_TEST_CASE(similar_out_of_range_message_names_value_and_limits)
{
    image_request r = image_request_with(1);
    r.similar = 1.5;
    auto issues = check(r, {"similar out_of_range error"});
    const std::string& m = issues.at(0).message;
    BOOST_TEST(m.find("1.5") != std::string::npos, m);
    BOOST_TEST(m.find('0') != std::string::npos, m);
}

// The value as given, not rounded to 6 digits: "1.0000001 but must be ... to 1", never "1 but
// must be ... to 1" (helper-16's audit).
BOOST_DATA_TEST_CASE(similar_message_shows_the_exact_value,
                     data::make({1.0000001, -1e-9, 1.0000000000000002}) ^
                         data::make({"1.0000001", "-1e-09", "1.0000000000000002"}),
                     v, text)
{
    image_request r = image_request_with(1);
    r.similar = v;
    auto issues = check(r, {"similar out_of_range error"});
    const std::string& m = issues.at(0).message;
    BOOST_TEST(m.find(std::string("similar is ") + text + " but") != std::string::npos, m);
}

// ---------------------------------------------------------------------------------------------
// scale and resolution

BOOST_DATA_TEST_CASE(every_scale_by_mode, data::make(akool::all_scales) * data::make({false, true}), s, with_source)
{
    image_request r = image_request_with(with_source ? 1 : 0);
    r.scale = s;
    if (s == image_scale::original && !with_source)
        check(r, {"scale mode_mismatch error"});
    else
        check(r, {});
}

static const int bad_scales[] = {-1, 8, 42, INT_MAX};

BOOST_DATA_TEST_CASE(scale_outside_enum, data::make(bad_scales) * data::make({false, true}), v, with_source)
{
    image_request r = image_request_with(with_source ? 1 : 0);
    r.scale = static_cast<image_scale>(v);
    auto issues = check(r, {"scale invalid_value error"});
    BOOST_TEST(issues.at(0).message.find("16:9") != std::string::npos, issues.at(0).message);
}

BOOST_DATA_TEST_CASE(every_resolution_is_accepted, data::make(akool::all_resolutions) * data::make({false, true}),
                     res, with_source)
{
    image_request r = image_request_with(with_source ? 1 : 0);
    r.resolution = res;
    check(r, {});
}

static const int bad_resolutions[] = {-1, 2, 42, INT_MIN};

BOOST_DATA_TEST_CASE(resolution_outside_enum, data::make(bad_resolutions), v)
{
    image_request r = text_request();
    r.resolution = static_cast<image_resolution>(v);
    auto issues = check(r, {"resolution invalid_value error"});
    const std::string& m = issues.at(0).message;
    BOOST_TEST((m.find("1080p") != std::string::npos && m.find("4k") != std::string::npos), m);
}

// ---------------------------------------------------------------------------------------------
// URLs: source_images[i] and webhookurl

struct bad_url {
    const char* url;
    const char* hint;  // a word the message must hold for a person to act on it
};

std::ostream& operator<<(std::ostream& os, const bad_url& b) { return os << '"' << b.url << '"'; }

static const bad_url bad_urls[] = {
    {"ftp://example.com/a.png", "ftp"},
    {"FILE:///etc/passwd", "FILE"},
    {"javascript:alert(1)", "scheme"},
    {"data:image/png;base64,iVBORw0KGgo=", "scheme"},
    {"example.com/a.png", "absolute"},
    {"/images/a.png", "absolute"},
    {"//example.com/a.png", "absolute"},
    {"", "empty"},
    {"http://", "host"},
    {"https://", "host"},
    {"http:///a.png", "host"},
    {"http://example .com/a.png", "space"},
    {"http://example.com/a b.png", "space"},
    {" http://example.com/a.png", "space"},
    {"http://example.com/a.png\n", "control"},
    {"http://user:secret@example.com/a.png", "user"},
    {"http://example.com:0/a.png", "port"},
    {"http://example.com:65536/a.png", "port"},
    {"http://example.com:8o/a.png", "port"},
    {"http://[::1/a.png", "host"},
    {"http://[1.2.3.4]/a.png", "host"},
    {"http://[.]/hook", "host"},
    {"http://a%zz/a.png", "host"},
};

BOOST_DATA_TEST_CASE(bad_source_url, data::make(bad_urls), b)
{
    image_request r = text_request();
    r.source_images = {b.url};
    auto issues = check(r, {"source_images[0] invalid_url error"});
    BOOST_TEST(issues.at(0).message.find(b.hint) != std::string::npos, issues.at(0).message);
}

BOOST_DATA_TEST_CASE(bad_webhook_url, data::make(bad_urls), b)
{
    image_request r = text_request();
    r.webhook_url = std::string(b.url);
    auto issues = check(r, {"webhookurl invalid_url error"});
    BOOST_TEST(issues.at(0).message.find(b.hint) != std::string::npos, issues.at(0).message);
}

static const char* const good_urls[] = {
    "http://example.com/a.png",
    "https://example.com/a.png",
    "HTTPS://EXAMPLE.COM/A.PNG",
    "https://example.com",
    "http://example.com:8080/a.png",
    "https://example.com:65535/a.png",
    "https://[2001:db8::1]/a.png",
    "http://[::1]:8080/hook",
    "https://example.com/a.png?w=512&h=512&sig=abc%2Fdef",
    "https://example.com/a.png#fragment",
    "http://127.0.0.1:1/",
    "https://cdn-1.example.co.uk/path/with~tilde_and.dots/img.jpg",
};

BOOST_DATA_TEST_CASE(good_source_url, data::make(good_urls), url)
{
    image_request r = text_request();
    r.source_images = {url};
    check(r, {});
}

BOOST_DATA_TEST_CASE(good_webhook_url, data::make(good_urls), url)
{
    image_request r = text_request();
    r.webhook_url = std::string(url);
    check(r, {});
}

BOOST_AUTO_TEST_CASE(url_message_quotes_the_value)
{
    image_request r = text_request();
    r.source_images = {"ftp://example.com/a.png"};
    auto issues = check(r, {"source_images[0] invalid_url error"});
    BOOST_TEST(issues.at(0).message.find("\"ftp://example.com/a.png\"") != std::string::npos, issues.at(0).message);
}

BOOST_AUTO_TEST_CASE(url_message_never_quotes_a_password)
{
    image_request r = text_request();
    r.webhook_url = std::string("https://alice:hunter2@example.com/hook");
    auto issues = check(r, {"webhookurl invalid_url error"});
    const std::string& m = issues.at(0).message;
    BOOST_TEST(m.find("hunter2") == std::string::npos, m);
    BOOST_TEST(m.find("alice") == std::string::npos, m);
    BOOST_TEST(m.find("example.com/hook") != std::string::npos, m);
}

// A URL's query and fragment (a token, a pre-signed URL's signature) and a password with a
// '/' in it never reach a message; the rest is quoted (helper-16's audit: the query was quoted
// whole, and "user:hun/ter2@" in full).
struct secret_url_case {
    const char* url;
    const char* secret;
    const char* shown;
};
std::ostream& operator<<(std::ostream& os, const secret_url_case& c) { return os << c.url; }
const secret_url_case secret_url_cases[] = {
    {"https://hooks.example.com/akool?token=TOPSECRET-123 ", "TOPSECRET", "\"https://hooks.example.com/akool?...\""},
    {"https://b.s3.amazonaws.com/a|b.jpg?X-Amz-Signature=SIGSECRET", "SIGSECRET",
     "\"https://b.s3.amazonaws.com/a|b.jpg?...\""},
    {"https://e.com/a b#access_token=FRAGSECRET", "FRAGSECRET", "\"https://e.com/a b#...\""},
    {"https://user:hun/ter2@e.com/a.jpg", "ter2", "\"https://***@e.com/a.jpg\""},
    {"https://user:hun/ter2@e.com/a.jpg", "user", "\"https://***@e.com/a.jpg\""},
    {"ftp://u:PASSWORD@e.com/x?y=1", "PASSWORD", "\"ftp://***@e.com/x?...\""},
    {"e.com/upload?sig=NOSCHEMESECRET", "NOSCHEMESECRET", "\"e.com/upload?...\""},
};

BOOST_DATA_TEST_CASE(url_message_never_quotes_a_query_or_a_password, data::make(secret_url_cases), c)
{
    for (bool webhook : {false, true}) {
        image_request r = text_request();
        if (webhook)
            r.webhook_url = std::string(c.url);
        else
            r.source_images = {c.url};
        auto issues = akool::validate(r);
        BOOST_TEST_REQUIRE(!issues.empty());
        const std::string& m = issues.at(0).message;
        BOOST_TEST((issues.at(0).code == akool::issue_code::invalid_url));
        BOOST_TEST(m.find(c.secret) == std::string::npos, m);
        BOOST_TEST(m.find(c.shown) != std::string::npos, m);
    }
}

BOOST_AUTO_TEST_CASE(long_value_is_quoted_at_most_about_80_characters)
{
    image_request r = text_request();
    r.webhook_url = "ftp://example.com/" + std::string(10000, 'x');
    auto issues = check(r, {"webhookurl invalid_url error"});
    const std::string& m = issues.at(0).message;
    BOOST_TEST(m.size() < 300u, m.size());
    BOOST_TEST(m.find(std::string(90, 'x')) == std::string::npos);
    BOOST_TEST(m.find("ftp://example.com/xxx") != std::string::npos, m);
    BOOST_TEST(m.find("...") != std::string::npos, m);
}

BOOST_AUTO_TEST_CASE(quoted_value_is_not_cut_inside_a_utf8_character)
{
    image_request r = text_request();
    // 79 ASCII bytes then two-byte characters: the 80-byte limit falls inside one of them.
    std::string url = "ftp://" + std::string(73, 'a');
    for (int i = 0; i < 10; ++i) url += "\xC3\xA9";
    r.source_images = {url};
    auto issues = check(r, {"source_images[0] invalid_url error"});
    const std::string& m = issues.at(0).message;
    auto dots = m.find("\"...");
    BOOST_TEST_REQUIRE(dots != std::string::npos, m);
    // The byte before the closing quote is a complete character: ASCII or the é's last byte.
    unsigned char last = static_cast<unsigned char>(m[dots - 1]);
    BOOST_TEST((last < 0x80 || last == 0xA9), static_cast<int>(last));
    if (last == 0xA9) BOOST_TEST(static_cast<unsigned char>(m[dots - 2]) == 0xC3);
}

BOOST_AUTO_TEST_CASE(control_characters_in_a_quoted_value_are_escaped)
{
    image_request r = text_request();
    r.webhook_url = std::string("http://example.com/a\r\nX-Injected: 1");
    auto issues = check(r, {"webhookurl invalid_url error"});
    const std::string& m = issues.at(0).message;
    BOOST_TEST(m.find('\r') == std::string::npos);
    BOOST_TEST(m.find("\\x0d\\x0a") != std::string::npos, m);
}

// A quoted value is shown the way diagnostics::summary shows the service's words
// (detail::quote_printable): besides C0 controls, the C1 controls some terminals obey and bytes
// of no UTF-8 character are escaped, and so are quotes, so the value's end is unambiguous.
BOOST_AUTO_TEST_CASE(quoted_value_escapes_c1_controls_bad_bytes_and_quotes)
{
    image_request r = text_request();
    r.webhook_url = std::string("ftp://h/\xc2\x9b" "2J\xff\"q\\caf\xc3\xa9");
    auto issues = check(r, {"webhookurl invalid_url error", "webhookurl invalid_utf8 error"});
    const std::string& m = issues.at(0).message;
    BOOST_TEST(m.find("\"ftp://h/\\u009b2J\\xff\\\"q\\\\caf\xc3\xa9\"") != std::string::npos, m);
}

BOOST_AUTO_TEST_CASE(webhook_unset_gives_no_finding)
{
    image_request r = text_request();
    r.webhook_url.reset();
    check(r, {});
}

BOOST_AUTO_TEST_CASE(every_bad_source_is_reported_by_index)
{
    image_request r = text_request();
    r.source_images = {good_source, "ftp://a/b.png", good_source, "nope"};
    check(r, {"source_images ignored warning", "source_images[1] invalid_url error", "source_images[3] invalid_url error"});
}

// ---------------------------------------------------------------------------------------------
// Several source images

static const std::size_t source_counts[] = {2, 3, 4, 16};

BOOST_DATA_TEST_CASE(more_than_one_source_is_a_warning, data::make(source_counts), n)
{
    auto issues = check(image_request_with(n), {"source_images ignored warning"});
    const std::string& m = issues.at(0).message;
    BOOST_TEST(m.find("first") != std::string::npos, m);
    BOOST_TEST(m.find(std::to_string(n)) != std::string::npos, m);
}

BOOST_AUTO_TEST_CASE(one_source_gives_no_warning) { check(image_request_with(1), {}); }

// ---------------------------------------------------------------------------------------------
// model_name

std::vector<request_case> model_cases()
{
    const std::string t2i(akool::models::text_to_image);
    const std::string i2i(akool::models::image_to_image);
    auto with = [](std::size_t sources, std::optional<std::string> model) {
        image_request r = image_request_with(sources);
        r.model_name = std::move(model);
        return r;
    };
    return {
        {"unset, text", with(0, std::nullopt), {}},
        {"unset, image", with(1, std::nullopt), {}},
        {"text model, text", with(0, t2i), {}},
        {"image model, image", with(1, i2i), {}},
        {"text model with a source image", with(1, t2i), {"model_name mode_mismatch error"}},
        {"text model with two source images", with(2, t2i),
         {"model_name mode_mismatch error", "source_images ignored warning"}},
        {"image model without a source image", with(0, i2i), {"model_name mode_mismatch error"}},
        {"empty, text", with(0, std::string()), {"model_name blank error"}},
        {"empty, image", with(1, std::string()), {"model_name blank error"}},
        {"blank", with(0, std::string(" \t ")), {"model_name blank error"}},
        {"unknown model, text", with(0, std::string("wavespeed-ai/some-future-model")), {}},
        {"unknown model, image", with(1, std::string("another/model")), {}},
        {"documented name in other case is unknown", with(1, std::string("WAVESPEED-AI/FLUX-KREA-DEV-LORA")), {}},
    };
}

BOOST_DATA_TEST_CASE(model_name_rules, data::make(model_cases()), c) { check(c.req, c.expected); }

BOOST_AUTO_TEST_CASE(model_mismatch_message_names_the_right_model)
{
    image_request r = image_request_with(0);
    r.model_name = std::string(akool::models::image_to_image);
    auto issues = check(r, {"model_name mode_mismatch error"});
    BOOST_TEST(issues.at(0).message.find(std::string(akool::models::text_to_image)) != std::string::npos,
               issues.at(0).message);

    r = image_request_with(1);
    r.model_name = std::string(akool::models::text_to_image);
    issues = check(r, {"model_name mode_mismatch error"});
    BOOST_TEST(issues.at(0).message.find(std::string(akool::models::image_to_image)) != std::string::npos,
               issues.at(0).message);
}

// ---------------------------------------------------------------------------------------------
// negative_prompt

static const char* const negative_prompts[] = {"", " ", "blurry", "low quality, worst quality, blurry, out of focus"};

BOOST_DATA_TEST_CASE(negative_prompt_is_free_text, data::make(negative_prompts), np)
{
    image_request r = text_request();
    r.negative_prompt = std::string(np);
    check(r, {});
}

// ---------------------------------------------------------------------------------------------
// UTF-8: every text field, the first bad byte's offset named

struct utf8_case {
    const char* name;
    std::string text;
    std::size_t offset;  // npos: valid
};
std::ostream& operator<<(std::ostream& os, const utf8_case& c) { return os << c.name; }

static const utf8_case utf8_cases[] = {
    {"ascii", "a red fox", std::string::npos},
    {"two, three and four bytes", "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x8c\x84", std::string::npos},
    {"U+10FFFF and U+FFFF", "\xf4\x8f\xbf\xbf \xef\xbf\xbf", std::string::npos},
    {"lone continuation", "ab\x80" "cd", 2},
    {"latin-1 e acute", "caf\xe9", 3},
    {"truncated at the end", "fox \xe6\x97", 4},
    {"truncated before ascii", "\xf0\x9f\x8c!", 0},
    {"overlong slash", "a\xc0\xaf", 1},
    {"overlong three bytes", "\xe0\x80\xaf", 0},
    {"surrogate", "xy\xed\xa0\x80", 2},
    {"above U+10FFFF", "\xf4\x90\x80\x80", 0},
    {"F5 byte", "\xf5\x80\x80\x80", 0},
    {"FF byte", "ok \xff", 3},
    {"after valid multibyte", "\xc3\xa9\xc3", 2},
};

BOOST_DATA_TEST_CASE(prompt_utf8, data::make(utf8_cases), c)
{
    image_request r = image_request::text_to_image("x" + c.text);
    if (c.offset == std::string::npos) {
        check(r, {});
        return;
    }
    auto issues = check(r, {"prompt invalid_utf8 error"});
    const std::string& m = issues.at(0).message;
    BOOST_TEST(m.find("prompt") != std::string::npos, m);
    BOOST_TEST(m.find("offset " + std::to_string(c.offset + 1)) != std::string::npos, m);
}

BOOST_AUTO_TEST_CASE(every_text_field_is_checked_for_utf8)
{
    const std::string bad = "bad \xff text";
    image_request r = image_request::image_to_image("ok", good_source);
    r.negative_prompt = bad;
    r.model_name = "model-\xc3";
    auto issues = check(r, {"model_name invalid_utf8 error", "negative_prompt invalid_utf8 error"});
    BOOST_TEST(issues.at(0).message.find("offset 6") != std::string::npos, issues.at(0).message);
    BOOST_TEST(issues.at(1).message.find("offset 4") != std::string::npos, issues.at(1).message);
    BOOST_TEST(issues.at(1).message.find("0xFF") != std::string::npos, issues.at(1).message);
    // URLs: not a URL, and not UTF-8, at the byte named.
    image_request u = text_request();
    u.webhook_url = "https://example.com/\xe9";
    check(u, {"webhookurl invalid_url error", "webhookurl invalid_utf8 error"});
    u = image_request::image_to_image("ok", "https://example.com/\x80");
    auto i2 = check(u, {"source_images[0] invalid_url error", "source_images[0] invalid_utf8 error"});
    BOOST_TEST(i2.at(1).message.find("offset 20") != std::string::npos, i2.at(1).message);
}

// The message never carries the raw bytes: it stays printable whatever the text.
BOOST_AUTO_TEST_CASE(utf8_message_quotes_no_raw_bytes)
{
    auto issues = akool::validate(image_request::text_to_image(std::string(5000, '\xff')));
    BOOST_TEST_REQUIRE(issues.size() == 1u);
    for (unsigned char ch : issues[0].message) BOOST_TEST((ch >= 0x20u && ch < 0x7fu));
    BOOST_TEST(issues[0].message.find("offset 0") != std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Everything at once

BOOST_AUTO_TEST_CASE(many_problems_image_mode_reported_together_in_field_order)
{
    image_request r;
    r.prompt = "   ";
    r.model_name = std::string(akool::models::text_to_image);
    r.source_images = {"ftp://example.com/a.png", "not a url"};
    r.scale = static_cast<image_scale>(42);
    r.resolution = static_cast<image_resolution>(7);
    r.batch_quantity = 9;
    r.similar = nan_v;
    r.negative_prompt = "";
    r.webhook_url = std::string("mailto:someone@example.com");
    check(r, {"prompt blank error", "model_name mode_mismatch error", "source_images ignored warning",
              "source_images[0] invalid_url error", "source_images[1] invalid_url error", "scale invalid_value error",
              "resolution invalid_value error", "batch_quantity out_of_range error", "similar not_finite error",
              "webhookurl invalid_url error"});
}

BOOST_AUTO_TEST_CASE(many_problems_text_mode_reported_together_in_field_order)
{
    image_request r;
    r.model_name = std::string(akool::models::image_to_image);
    r.scale = image_scale::original;
    r.batch_quantity = 0;
    r.similar = 2.0;
    r.webhook_url = std::string();
    check(r, {"prompt missing error", "model_name mode_mismatch error", "scale mode_mismatch error",
              "batch_quantity out_of_range error", "similar out_of_range error", "similar ignored warning",
              "webhookurl invalid_url error"});
}

BOOST_AUTO_TEST_CASE(warnings_alone_do_not_block)
{
    image_request r = image_request_with(3);
    auto issues = akool::validate(r);
    BOOST_TEST(!issues.empty());
    BOOST_TEST(!akool::has_errors(issues));

    r = text_request();
    r.similar = 0.3;
    issues = akool::validate(r);
    BOOST_TEST(issues.size() == 1u);
    BOOST_TEST(!akool::has_errors(issues));
}

BOOST_AUTO_TEST_SUITE_END()
