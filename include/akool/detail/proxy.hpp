// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_PROXY_HPP
#define AKOOL_DETAIL_PROXY_HPP

// HTTP proxy settings, without I/O: the proxy URL (`http://[user:password@]host[:port]`) and
// curl's NO_PROXY rules. The Beast transport decides with them which requests go through the
// proxy. No Asio here.

#include <akool/detail/base64.hpp>
#include <akool/detail/url.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

namespace akool {
namespace detail {

// A parsed proxy URL.
struct proxy_parts {
    std::string host;            // without brackets for IPv6 literals
    std::uint16_t port = 1080;   // curl's default when the URL names none
    std::string authorization;   // "Basic ..." when the URL had user:password, else empty
};

inline int hex_value(char c) noexcept
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// `s` with %XX escapes decoded; false on a bad escape.
inline bool percent_decode(std::string_view s, std::string& out)
{
    out.clear();
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        int hi = i + 1 < s.size() ? hex_value(s[i + 1]) : -1;
        int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
        if (hi < 0 || lo < 0) return false;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return true;
}

// Parses `http://[user:password@]host[:port][/]` (the scheme may be left out, as curl allows).
// False, with `why` (which never repeats the password), when it is not such a URL.
inline bool parse_proxy_url(std::string_view url, proxy_parts& out, std::string& why)
{
    out = proxy_parts{};
    std::string_view rest = url;
    if (auto colon = rest.find("://"); colon != std::string_view::npos) {
        if (!ascii_iequals(rest.substr(0, colon), "http")) {
            why = "the proxy URL's scheme is not http (an https or SOCKS proxy is not supported)";
            return false;
        }
        rest = rest.substr(colon + 3);
    }
    while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    if (rest.find_first_of("/?#") != std::string_view::npos) {
        why = "the proxy URL has a path; it must be http://[user:password@]host[:port]";
        return false;
    }
    if (auto at = rest.rfind('@'); at != std::string_view::npos) {
        std::string_view userinfo = rest.substr(0, at);
        rest = rest.substr(at + 1);
        auto colon = userinfo.find(':');
        std::string user, password;
        if (!percent_decode(userinfo.substr(0, colon), user) ||
            (colon != std::string_view::npos && !percent_decode(userinfo.substr(colon + 1), password))) {
            why = "the proxy URL's user name or password has a bad %-escape";
            return false;
        }
        out.authorization = "Basic " + base64_encode(user + ":" + password);
    }
    url_parts u;
    if (rest.empty() || !parse_http_url("http://" + std::string(rest) + "/", u)) {
        why = "the proxy URL is not http://[user:password@]host[:port]";
        return false;
    }
    out.host = std::move(u.host);
    const bool explicit_port =
        rest.front() == '[' ? rest.find("]:") != std::string_view::npos : rest.find(':') != std::string_view::npos;
    if (explicit_port) out.port = u.port;
    return true;
}

// True when `host` (and `port`) is excluded from proxying by `list`, curl's NO_PROXY: a comma
// separated list of host names, domain suffixes and IP addresses, each with an optional
// `:port` (then only that port matches); a leading dot is ignored ("example.com" and
// ".example.com" both match example.com and its subdomains, not notexample.com); "*" alone
// matches every host; case does not matter, nor a trailing dot on the host ("localhost."
// is localhost); IPv6 addresses with or without brackets, compared as addresses (::1 is
// 0:0:0:0:0:0:0:1). IP ranges (CIDR) are not supported: an address matches only itself.
inline bool no_proxy_matches(std::string_view list, std::string_view host, std::uint16_t port)
{
    std::string h = lowercase_ascii(host);
    // An IP address matches only itself, never as a "suffix".
    const bool is_ip = h.find(':') != std::string::npos || h.find_first_not_of("0123456789.") == std::string::npos;
    if (!is_ip && !h.empty() && h.back() == '.') h.pop_back();  // the root of the DNS: the same host
    std::uint16_t host_v6[8];
    const bool host_is_v6 = is_ipv6_address(h, host_v6);
    while (!list.empty()) {
        auto comma = list.find(',');
        std::string_view entry = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        while (!entry.empty() && (entry.front() == ' ' || entry.front() == '\t')) entry.remove_prefix(1);
        while (!entry.empty() && (entry.back() == ' ' || entry.back() == '\t')) entry.remove_suffix(1);
        if (entry.empty()) continue;
        if (entry == "*") return true;
        // An optional port: "[v6]:port", "name:port"; an unbracketed address with several
        // colons is an IPv6 address without a port.
        std::string_view name = entry;
        std::string_view entry_port;
        if (name.front() == '[') {
            auto close = name.find(']');
            if (close == std::string_view::npos) continue;
            if (close + 1 < name.size()) {
                if (name[close + 1] != ':') continue;
                entry_port = name.substr(close + 2);
            }
            name = name.substr(1, close - 1);
        } else if (auto c = name.find(':'); c != std::string_view::npos && name.find(':', c + 1) == std::string_view::npos) {
            entry_port = name.substr(c + 1);
            name = name.substr(0, c);
        }
        if (!entry_port.empty() && entry_port != std::to_string(port)) continue;
        while (!name.empty() && name.front() == '.') name.remove_prefix(1);
        while (!name.empty() && name.back() == '.') name.remove_suffix(1);
        if (name.empty()) continue;
        const std::string n = lowercase_ascii(name);
        if (h == n) return true;
        std::uint16_t entry_v6[8];
        if (host_is_v6 && is_ipv6_address(n, entry_v6) && std::equal(host_v6, host_v6 + 8, entry_v6)) return true;
        if (!is_ip && h.size() > n.size() && h.compare(h.size() - n.size(), n.size(), n) == 0 &&
            h[h.size() - n.size() - 1] == '.')
            return true;
    }
    return false;
}

} // namespace detail
} // namespace akool

#endif
