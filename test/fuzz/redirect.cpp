// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// libFuzzer target "redirect": a download's redirects as a hostile host sends them. The input
// is lines: the first is the URL fetched (a default CDN URL when it is not an absolute http(s)
// URL), each next one a reply to the URL fetched then: its first byte picks the status (301,
// 302, 303, 307, 308, or 200 / 404, which end the download), the rest is the Location header.
// Each Location goes through detail::resolve_url_reference and the redirect decision
// (sansio::redirect_algo), as the download algorithm runs them.
//
// Invariants: a resolved Location is an absolute http(s) URL of URL characters, without a
// fragment; a relative one keeps the scheme, and one without "//" also the host and port; an
// absolute one is kept as sent; a followed redirect never goes from https to http, never to
// a URL already fetched, and not past 5 hops; a refused one fails with bad_redirect,
// insecure_redirect or too_many_redirects and a message without CR, LF, NUL or a query string.

#include "fuzz_common.hpp"

#include <akool/error.hpp>
#include <akool/detail/sansio/download.hpp>
#include <akool/detail/url.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using namespace akool::detail;

namespace {

// The lines of `s` (split at '\n'), at most `max`.
std::vector<std::string_view> lines(std::string_view s, std::size_t max)
{
    std::vector<std::string_view> out;
    while (out.size() < max) {
        auto nl = s.find('\n');
        out.push_back(s.substr(0, nl));
        if (nl == std::string_view::npos) break;
        s.remove_prefix(nl + 1);
    }
    return out;
}

// `ref` without its fragment, and whether it names a scheme (as resolve_url_reference reads it).
std::string_view strip_fragment(std::string_view ref) { return ref.substr(0, ref.find('#')); }
bool has_scheme(std::string_view ref)
{
    auto colon = ref.find(':');
    return colon != std::string_view::npos && colon < ref.find_first_of("/?");
}

void check_resolution(const std::string& base, std::string_view ref)
{
    std::string out;
    if (!resolve_url_reference(base, ref, out)) return;
    url_parts b, o;
    AKOOL_FUZZ_CHECK(parse_http_url(base, b), "resolved against a base that does not parse");
    AKOOL_FUZZ_CHECK(parse_http_url(out, o), "the resolved URL does not parse");
    AKOOL_FUZZ_CHECK(out.find('#') == std::string::npos, "the resolved URL keeps a fragment");
    for (char c : out) AKOOL_FUZZ_CHECK(is_url_char(c), "a character a URL may not hold");
    const std::string_view r = strip_fragment(ref);
    if (has_scheme(r)) {
        AKOOL_FUZZ_CHECK(out == r, "an absolute Location was not kept as sent");
    } else {
        AKOOL_FUZZ_CHECK(o.tls == b.tls, "a relative Location changed the scheme");
        if (r.substr(0, 2) != "//")
            AKOOL_FUZZ_CHECK(o.host == b.host && o.port == b.port, "a relative Location changed the host");
    }
    std::string again;
    AKOOL_FUZZ_CHECK(resolve_url_reference(base, out, again) && again == out,
                     "the resolved URL does not resolve to itself");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto ls = lines(input, 12);
    std::string base(ls[0]);
    if (!is_http_url(base)) base = "https://cdn.example.com/images/a/b.png?sig=1";

    static constexpr int statuses[] = {301, 302, 303, 307, 308, 200, 404};
    sansio::redirect_algo algo(base);
    std::vector<std::string> fetched{base};
    const akool::error_code not_200 = akool::make_error_code(akool::error::http_status);
    for (std::size_t i = 1; i < ls.size(); ++i) {
        if (ls[i].empty()) continue;
        const int status = statuses[static_cast<unsigned char>(ls[i][0]) % 7];
        const std::string_view location = ls[i].substr(1);
        check_resolution(algo.url(), location);

        url_parts from;
        AKOOL_FUZZ_CHECK(parse_http_url(algo.url(), from), "the URL to fetch does not parse");
        const auto action = algo.resume(not_200, status, location);
        if (!sansio::is_redirect_status(status)) {
            AKOOL_FUZZ_CHECK(action == sansio::redirect_action::done, "a status that is no redirect was followed");
            break;
        }
        if (action == sansio::redirect_action::fail) {
            const auto e = algo.error();
            AKOOL_FUZZ_CHECK(e == akool::error::bad_redirect || e == akool::error::insecure_redirect ||
                                 e == akool::error::too_many_redirects,
                             "a refused redirect with another error");
            AKOOL_FUZZ_CHECK(algo.message().find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos,
                             "CR, LF or NUL in the message");
            for (auto q = algo.message().find('?'); q != std::string::npos; q = algo.message().find('?', q + 1))
                AKOOL_FUZZ_CHECK(algo.message().compare(q, 4, "?...") == 0, "a query string in the message");
            break;
        }
        AKOOL_FUZZ_CHECK(action == sansio::redirect_action::follow, "a redirect neither followed nor refused");
        url_parts to;
        AKOOL_FUZZ_CHECK(parse_http_url(algo.url(), to), "a followed URL does not parse");
        AKOOL_FUZZ_CHECK(!(from.tls && !to.tls), "a redirect from https to http was followed");
        AKOOL_FUZZ_CHECK(std::find(fetched.begin(), fetched.end(), algo.url()) == fetched.end(),
                         "a URL already fetched was followed again");
        AKOOL_FUZZ_CHECK(algo.hops() <= sansio::redirect_algo::max_hops, "more than 5 hops followed");
        fetched.push_back(algo.url());
    }
    return 0;
}
