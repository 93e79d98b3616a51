// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#define BOOST_TEST_MODULE url
#include <boost/test/unit_test.hpp>

#include <akool/detail/url.hpp>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <cstdint>
#include <ostream>
#include <array>
#include <utility>
#include <vector>
#include <string>
#include <string_view>

namespace data = boost::unit_test::data;
using akool::detail::append_percent_encoded;
using akool::detail::is_http_url;
using akool::detail::parse_http_url;
using akool::detail::url_parts;

namespace {

struct accepted {
    const char* url;
    bool tls;
    const char* host;
    std::uint16_t port;
    const char* target;
};

std::ostream& operator<<(std::ostream& os, const accepted& a) { return os << '"' << a.url << '"'; }

const accepted accepted_urls[] = {
    // Scheme, case-insensitively, and its default port.
    {"http://example.com", false, "example.com", 80, "/"},
    {"https://example.com", true, "example.com", 443, "/"},
    {"HTTP://example.com/a", false, "example.com", 80, "/a"},
    {"HTTPS://example.com/a", true, "example.com", 443, "/a"},
    {"hTtPs://example.com/", true, "example.com", 443, "/"},
    {"https://Example.COM/Path", true, "Example.COM", 443, "/Path"},
    // Explicit ports, including one that is another scheme's default.
    {"http://example.com:8080/a/b", false, "example.com", 8080, "/a/b"},
    {"https://example.com:1/", true, "example.com", 1, "/"},
    {"https://example.com:65535/", true, "example.com", 65535, "/"},
    {"http://example.com:443/", false, "example.com", 443, "/"},
    {"https://example.com:80/", true, "example.com", 80, "/"},
    {"http://example.com:00080/", false, "example.com", 80, "/"},
    // Addresses.
    {"http://127.0.0.1/", false, "127.0.0.1", 80, "/"},
    {"http://localhost:9000/api", false, "localhost", 9000, "/api"},
    {"https://[2001:db8::1]/img.png", true, "2001:db8::1", 443, "/img.png"},
    {"http://[::1]:8080/x", false, "::1", 8080, "/x"},
    {"http://[::ffff:192.0.2.1]/", false, "::ffff:192.0.2.1", 80, "/"},
    {"https://[FE80::A]", true, "FE80::A", 443, "/"},
    {"http://[::]/", false, "::", 80, "/"},
    {"http://[1:2:3:4:5:6:7:8]/", false, "1:2:3:4:5:6:7:8", 80, "/"},
    {"http://[1:2:3:4:5:6:7::]/", false, "1:2:3:4:5:6:7::", 80, "/"},
    {"http://[::2:3:4:5:6:7:8]/", false, "::2:3:4:5:6:7:8", 80, "/"},
    {"http://[1::8]:81/", false, "1::8", 81, "/"},
    {"http://[1:2:3:4:5:6:1.2.3.4]/", false, "1:2:3:4:5:6:1.2.3.4", 80, "/"},
    {"http://[::255.255.255.255]/", false, "::255.255.255.255", 80, "/"},
    {"http://[0000:00:0::0]/", false, "0000:00:0::0", 80, "/"},
    // Percent-escapes in a registered name, each with two hex digits.
    {"http://a%2Db.example/", false, "a%2Db.example", 80, "/"},
    {"http://%41%62/", false, "%41%62", 80, "/"},
    // Target: "/" by default, query kept, fragment dropped.
    {"https://example.com/a.png?w=1&h=2", true, "example.com", 443, "/a.png?w=1&h=2"},
    {"https://example.com?q=1", true, "example.com", 443, "/?q=1"},
    {"https://example.com:8443?q=1", true, "example.com", 8443, "/?q=1"},
    {"https://example.com/a#frag", true, "example.com", 443, "/a"},
    {"https://example.com#frag", true, "example.com", 443, "/"},
    {"https://example.com/a?x=1#frag", true, "example.com", 443, "/a?x=1"},
    {"https://example.com/a?x=1#frag#more", true, "example.com", 443, "/a?x=1"},
    {"https://example.com/path%20with%20escapes/", true, "example.com", 443, "/path%20with%20escapes/"},
    {"https://example.com/a@b?c=d@e", true, "example.com", 443, "/a@b?c=d@e"},
    {"https://cdn-1.sub_domain.example.co.uk/~u/x.jpg", true, "cdn-1.sub_domain.example.co.uk", 443, "/~u/x.jpg"},
    {"https://example.com/a?redirect=http://other.example/", true, "example.com", 443,
     "/a?redirect=http://other.example/"},
};

const char* const refused_urls[] = {
    // Not absolute http(s).
    "",
    "example.com",
    "/a/b",
    "//example.com/a",
    "ftp://example.com/",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "mailto:someone@example.com",
    "http:/example.com",
    "http:example.com",
    "httpx://example.com/",
    "htt://example.com/",
    "://example.com/",
    // No host.
    "http://",
    "https://",
    "http:///a",
    "http://?q=1",
    "http://#frag",
    "http://:80/",
    // Bad ports.
    "http://example.com:/",
    "http://example.com:0/",
    "http://example.com:00000/",
    "http://example.com:65536/",
    "http://example.com:99999/",
    "http://example.com:123456/",
    "http://example.com:8o/",
    "http://example.com:-1/",
    "http://example.com:+80/",
    "http://example.com: 80/",
    "http://a:b:c/",
    // User info.
    "http://user@example.com/",
    "http://user:pw@example.com/",
    "http://@example.com/",
    "http://example.com\\@evil.example/",
    // IPv6 literals.
    "http://[::1/",
    "http://[]/",
    "http://[::1]x/",
    "http://[::1]:/",
    "http://[::g]/",
    "http://[fe80::1%25eth0]/",
    "http://::1/",
    // Brackets that do not hold an IPv6 address (RFC 3986 IP-literal); IPvFuture is refused.
    "http://[.]/",
    "http://[:]/",
    "http://[:::]/",
    "http://[1.2.3.4]/",
    "http://[::1.2.3]/",
    "http://[::1.2.3.4.5]/",
    "http://[::256.1.1.1]/",
    "http://[::01.2.3.4]/",
    "http://[::1.2.3.4:5]/",
    "http://[1.2.3.4::]/",
    "http://[1:2:3:4:5:6:7]/",
    "http://[1:2:3:4:5:6:7:8:9]/",
    "http://[1:2:3:4:5:6:7:8::]/",
    "http://[::1:2:3:4:5:6:7:8]/",
    "http://[1:2:3:4:5:6:7:1.2.3.4]/",
    "http://[1::2::3]/",
    "http://[12345::]/",
    "http://[:1::]/",
    "http://[1::2:]/",
    "http://[1:]/",
    "http://[fe80::1%eth0]/",
    "http://[v1.fe80::a]/",
    "http://[V7.abc]/",
    // A `%` without two hex digits after it.
    "http://a%zz/",
    "http://a%/",
    "http://a%2/",
    "http://a%2/b",
    "http://a%g0.example/",
    "http://%/",
    // Host characters.
    "http://-example.com/",
    "http://.example.com/",
    "http://exa<mple.com/",
    "http://ex\xC3\xA4mple.com/",
    // Spaces, controls and characters a URL may not hold, anywhere.
    "http://exa mple.com/",
    "http://example.com/a b",
    " http://example.com/",
    "http://example.com/ ",
    "http://example.com/\ta",
    "http://example.com/a\n",
    "http://example.com/a\r\nHost: evil.example",
    "http://example.com/\x7f",
    "http://example.com/\x01",
    "http://example.com/<script>",
    "http://example.com/a\"b",
    "http://example.com/{x}",
    "http://example.com/a|b",
    "http://example.com/a^b",
    "http://example.com/a`b",
    "http://example.com/caf\xC3\xA9",
};

// Percent-decodes `s`; returns false on a malformed escape.
bool percent_decode(std::string_view s, std::string& out)
{
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;  // lower case is not what the encoder writes
    };
    out.clear();
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        if (i + 2 >= s.size()) return false;
        int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
        if (hi < 0 || lo < 0) return false;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return true;
}

bool is_unreserved(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

} // namespace

BOOST_AUTO_TEST_SUITE(url_suite)

BOOST_DATA_TEST_CASE(accepted_url_is_split, data::make(accepted_urls), a)
{
    url_parts p;
    BOOST_TEST_REQUIRE(parse_http_url(a.url, p));
    BOOST_TEST(p.tls == a.tls);
    BOOST_TEST(p.host == a.host);
    BOOST_TEST(p.port == a.port);
    BOOST_TEST(p.target == a.target);
    BOOST_TEST(is_http_url(a.url));
}

BOOST_DATA_TEST_CASE(refused_url, data::make(refused_urls), url)
{
    url_parts p;
    BOOST_TEST(!parse_http_url(url, p));
    BOOST_TEST(!is_http_url(url));
}

// An IPv6 literal's groups, one value for each spelling (NO_PROXY compares them).
BOOST_AUTO_TEST_CASE(ipv6_literals_give_their_groups)
{
    using words = std::array<std::uint16_t, 8>;
    const std::pair<const char*, words> cases[] = {
        {"::", {0, 0, 0, 0, 0, 0, 0, 0}},
        {"::1", {0, 0, 0, 0, 0, 0, 0, 1}},
        {"0:0:0:0:0:0:0:1", {0, 0, 0, 0, 0, 0, 0, 1}},
        {"1::", {1, 0, 0, 0, 0, 0, 0, 0}},
        {"1::8", {1, 0, 0, 0, 0, 0, 0, 8}},
        {"1:2:3:4:5:6:7::", {1, 2, 3, 4, 5, 6, 7, 0}},
        {"::2:3:4:5:6:7:8", {0, 2, 3, 4, 5, 6, 7, 8}},
        {"FE80::aBcD", {0xfe80, 0, 0, 0, 0, 0, 0, 0xabcd}},
        {"::ffff:192.0.2.1", {0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201}},
        {"1:2:3:4:5:6:1.2.3.4", {1, 2, 3, 4, 5, 6, 0x0102, 0x0304}},
        {"0000:00:0::0", {0, 0, 0, 0, 0, 0, 0, 0}},
    };
    for (const auto& c : cases) {
        words w{};
        BOOST_TEST(akool::detail::is_ipv6_address(c.first, w.data()), c.first);
        BOOST_TEST((w == c.second), c.first);
    }
    for (const char* bad : {"", ":", ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "1:2:3:4:5:6:7:1.2.3.4", "::g",
                            "1:", ":1", "1.2.3.4"})
        BOOST_TEST(!akool::detail::is_ipv6_address(bad), bad);
}

BOOST_AUTO_TEST_CASE(embedded_nul_is_refused)
{
    using namespace std::string_view_literals;
    BOOST_TEST(!is_http_url("http://example.com/\0a"sv));
    BOOST_TEST(!is_http_url("http://exa\0mple.com/"sv));
}

BOOST_AUTO_TEST_CASE(parse_overwrites_previous_result)
{
    url_parts p;
    BOOST_TEST_REQUIRE(parse_http_url("https://first.example:8443/one?x=1", p));
    BOOST_TEST_REQUIRE(parse_http_url("http://second.example", p));
    BOOST_TEST(!p.tls);
    BOOST_TEST(p.host == "second.example");
    BOOST_TEST(p.port == 80);
    BOOST_TEST(p.target == "/");
}

BOOST_AUTO_TEST_CASE(long_url_is_accepted)
{
    std::string url = "https://example.com/" + std::string(8000, 'a') + "?q=" + std::string(8000, 'b');
    url_parts p;
    BOOST_TEST_REQUIRE(parse_http_url(url, p));
    BOOST_TEST(p.target.size() == url.size() - std::string("https://example.com").size());
}

// ---------------------------------------------------------------------------------------------
// append_percent_encoded

struct encoding {
    std::string_view in;
    const char* out;
};

std::ostream& operator<<(std::ostream& os, const encoding& e) { return os << '"' << e.out << '"'; }

using namespace std::string_view_literals;

static const encoding encodings[] = {
    {""sv, ""},
    {"abcxyzABCXYZ0189-._~"sv, "abcxyzABCXYZ0189-._~"},
    {" "sv, "%20"},
    {"a b&c=d/e?f#g"sv, "a%20b%26c%3Dd%2Fe%3Ff%23g"},
    {"%"sv, "%25"},
    {"+"sv, "%2B"},
    {"6650a1b2c3d4e5f6a7b8c9d0"sv, "6650a1b2c3d4e5f6a7b8c9d0"},
    {"\xC3\xA9"sv, "%C3%A9"},
    {"\0"sv, "%00"},
    {"\xFF\x7F\x80"sv, "%FF%7F%80"},
    {"\r\n"sv, "%0D%0A"},
    {"!*'();:@$,[]"sv, "%21%2A%27%28%29%3B%3A%40%24%2C%5B%5D"},
};

BOOST_DATA_TEST_CASE(percent_encoding, data::make(encodings), e)
{
    std::string out;
    append_percent_encoded(out, e.in);
    BOOST_TEST(out == e.out);
}

BOOST_AUTO_TEST_CASE(percent_encoding_appends)
{
    std::string out = "image_model_id=";
    append_percent_encoded(out, "a b");
    BOOST_TEST(out == "image_model_id=a%20b");
}

BOOST_AUTO_TEST_CASE(percent_encoding_round_trips_every_byte)
{
    std::string all;
    for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
    std::string encoded;
    append_percent_encoded(encoded, all);
    for (std::size_t i = 0; i < encoded.size(); ++i)
        BOOST_TEST((is_unreserved(encoded[i]) || encoded[i] == '%'), "unexpected byte at " << i);
    std::string decoded;
    BOOST_TEST_REQUIRE(percent_decode(encoded, decoded));
    BOOST_TEST(decoded == all);
    // 66 unreserved bytes stay as they are, the other 190 take three bytes each.
    BOOST_TEST(encoded.size() == 66u + 190u * 3u);
}

// What a message may show of a URL: never a query, a fragment or a password, whether the URL
// is usable (shown as parsed) or not (shown as written, for the validator's messages).
struct url_message_case {
    std::string url, shown;
};
std::ostream& operator<<(std::ostream& os, const url_message_case& c) { return os << c.url; }

const std::vector<url_message_case> url_messages = {
    {"https://cdn.example.com/a/b.png?X-Amz-Signature=abc&t=1", "https://cdn.example.com/a/b.png?..."},
    {"https://cdn.example.com/a/b.png#frag", "https://cdn.example.com/a/b.png"},
    {"HTTP://Example.com:80/x?token=s3cret", "http://Example.com/x?..."},
    {"https://[::1]:8443/p", "https://[::1]:8443/p"},
    {"https://user:hun/ter2@host/p?sig=1", "https://***@host/p?..."},
    {"ftp://user:pw@host/file#secret", "ftp://***@host/file#..."},
    {"no scheme?key=1", "no scheme?..."},
    {"https://host:99999/x?sig", "https://host:99999/x?..."},
    // A password holding '?', '#' or '/' unescaped (not a usable URL): nothing of it shows.
    {"https://user:s3cr?et@host/x", "https://***@host/x"},
    {"https://bob:pa#ss-w0rd@cdn.example/a.png?sig=1", "https://***@cdn.example/a.png?..."},
    {"https://bob:p/a?s#s@cdn.example/a.png", "https://***@cdn.example/a.png"},
    {"https://host/x?mail=a@b", "https://host/x?..."},
    {"https://host/x y?mail=a@b", "https://***@b"},
    // A "://" in the query is no scheme's (helper-50's review: the text before it was quoted
    // as the scheme, signature and password included).
    {"https:/cdn.example.test/a.png?X-Amz-Signature=s3cret&next=http://x", "https:/cdn.example.test/a.png?..."},
    {"https//user:pa55@cdn.example/a.png?sig=s3cret&r=ftp://y", "***@cdn.example/a.png?..."},
    {"", ""},
};

BOOST_DATA_TEST_CASE(a_url_in_a_message_hides_its_secrets, data::make(url_messages), c)
{
    const std::string shown = akool::detail::url_for_message(c.url);
    BOOST_TEST(shown == c.shown);
    for (const char* secret : {"X-Amz", "s3cret", "s3cr", "ter2", "pw@", "secret", "key=", "sig", "pa", "bob",
                               "mail"})
        BOOST_TEST(shown.find(secret) == std::string::npos, secret);
}

// Why a URL is refused, as every message says it (detail::refused_url_message): the reason
// that check_http_url gives, and nothing of a secret the URL holds, whatever "://" it holds.
struct refusal_case {
    std::string url;
    akool::detail::url_refusal why;
    std::string words;
};
std::ostream& operator<<(std::ostream& os, const refusal_case& c) { return os << c.url; }

const std::vector<refusal_case> refusals = {
    {"", akool::detail::url_refusal::empty, "the URL is empty"},
    {"cdn.example/a.png", akool::detail::url_refusal::no_scheme, "is not an absolute URL"},
    {"ftp://user:pw@cdn.example/a.png?sig=s3cret", akool::detail::url_refusal::other_scheme,
     R"(the URL "ftp://***@cdn.example/a.png?..." uses the scheme "ftp"; only http and https are accepted)"},
    {"https:/cdn.example.test/a.png?X-Amz-Signature=s3cret&next=http://x", akool::detail::url_refusal::no_scheme,
     R"(the URL "https:/cdn.example.test/a.png?..." is not an absolute URL (it has no scheme://host part))"},
    {"https//user:pa55@cdn.example/a.png?sig=s3cret&r=ftp://y", akool::detail::url_refusal::no_scheme,
     "is not an absolute URL"},
    {"1http://cdn.example/a.png", akool::detail::url_refusal::no_scheme, "is not an absolute URL"},
    {"https://cdn.example/a b.png", akool::detail::url_refusal::bad_character, "contains a space"},
    {"https:///a.png", akool::detail::url_refusal::no_host, "has no host"},
    {"https://pa55@cdn.example/a.png", akool::detail::url_refusal::user_info, "holds user information"},
    {"https://cdn.example:0/a.png", akool::detail::url_refusal::bad_host_or_port, "has an invalid host or port"},
};

BOOST_DATA_TEST_CASE(a_refused_url_is_worded_by_its_reason_without_its_secrets, data::make(refusals), c)
{
    akool::detail::url_view parts;
    const auto why = akool::detail::check_http_url(c.url, parts);
    BOOST_TEST((why == c.why), c.url);
    const std::string message = akool::detail::refused_url_message("the URL", c.url, why);
    BOOST_TEST(message.find(c.words) != std::string::npos, message);
    for (const char* secret : {"s3cret", "pa55", "pw@", "sig="}) BOOST_TEST(message.find(secret) == std::string::npos, message);
}

BOOST_AUTO_TEST_SUITE_END()
