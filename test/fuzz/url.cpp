// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// The URL parser (detail::parse_http_url) on any bytes. Invariants:
//  - is_http_url agrees with parse_http_url;
//  - an accepted URL has a host, a port, a target starting with `/` and without fragment,
//    only URL characters, a host that is an IPv6 address (inet_pton) when it was written in
//    brackets, else a registered name whose `%` are each followed by two hex digits; written
//    back from its parts it parses to the same parts;
//  - the same bytes inside brackets, `http://[bytes]/`, are accepted exactly when inet_pton
//    takes them as an IPv6 address (for bytes that could sit there: URL characters, no `]`).

#include "fuzz_common.hpp"

#include <akool/detail/url.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace akool::detail;

namespace {

bool inet_pton6(const std::string& s)
{
    in6_addr a{};
    return ::inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

bool hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string s(reinterpret_cast<const char*>(data), size);
    url_parts p;
    const bool ok = parse_http_url(s, p);
    AKOOL_FUZZ_CHECK(ok == is_http_url(s), "is_http_url disagrees");
    if (ok) {
        AKOOL_FUZZ_CHECK(!p.host.empty() && p.port != 0, "no host or no port");
        AKOOL_FUZZ_CHECK(!p.target.empty() && p.target[0] == '/', "target without /");
        AKOOL_FUZZ_CHECK(p.target.find('#') == std::string::npos, "a fragment in the target");
        for (char c : p.host + p.target) AKOOL_FUZZ_CHECK(is_url_char(c), "a character a URL may not hold");
        const std::size_t auth = s.find("://") + 3;
        const bool bracketed = s[auth] == '[';
        if (bracketed) {
            AKOOL_FUZZ_CHECK(inet_pton6(p.host), "a bracketed host that is not an IPv6 address");
        } else {
            AKOOL_FUZZ_CHECK(p.host.find_first_of(":[]@") == std::string::npos, "a delimiter in the host");
            for (std::size_t i = 0; i < p.host.size(); ++i)
                if (p.host[i] == '%')
                    AKOOL_FUZZ_CHECK(i + 2 < p.host.size() && hex(p.host[i + 1]) && hex(p.host[i + 2]),
                                     "a % without two hex digits in the host");
        }
        std::string again = std::string(p.tls ? "https://" : "http://") + (bracketed ? "[" : "") + p.host +
                            (bracketed ? "]" : "") + ":" + std::to_string(p.port) + p.target;
        url_parts q;
        AKOOL_FUZZ_CHECK(parse_http_url(again, q), "the URL written back is refused");
        AKOOL_FUZZ_CHECK(q.tls == p.tls && q.host == p.host && q.port == p.port && q.target == p.target,
                         "the URL written back parses differently");
    }

    bool literal_ok = s.find(']') == std::string::npos;
    for (char c : s) literal_ok = literal_ok && is_url_char(c);
    if (literal_ok) {
        url_parts lp;
        const bool accepted = parse_http_url("http://[" + s + "]/", lp);
        AKOOL_FUZZ_CHECK(accepted == inet_pton6(s), "the IP literal check disagrees with inet_pton");
        if (accepted) AKOOL_FUZZ_CHECK(lp.host == s, "the IP literal changed");
    }
    return 0;
}
