// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_URL_HPP
#define AKOOL_DETAIL_URL_HPP

// A small absolute http(s) URL splitter: scheme, host, port, target. Standard library only so
// that the validator stays free of compiled dependencies (Boost.URL needs linking or its
// src.hpp). It accepts what RFC 3986 allows in an http(s) URL and refuses the rest.

#include <cstdint>
#include <string>
#include <string_view>

namespace akool {
namespace detail {

struct url_parts {
    bool tls = false;          // https
    std::string host;          // without brackets for IPv6 literals
    std::uint16_t port = 0;    // explicit or the scheme's default
    std::string target;        // path + query, at least "/"
};

inline bool ascii_iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

inline bool is_url_char(char c) noexcept
{
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;  // controls, space, DEL, non-ASCII
    switch (c) {
    case '"': case '<': case '>': case '\\': case '^': case '`': case '{': case '|': case '}':
        return false;
    default:
        return true;
    }
}

inline bool is_host_char(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '%';
}

// Splits an absolute http:// or https:// URL. Returns false for anything else: another
// scheme, no host, a bad port, user info, a character a URL may not contain.
inline bool parse_http_url(std::string_view url, url_parts& out)
{
    out = url_parts{};
    for (char c : url)
        if (!is_url_char(c) && c != '#') return false;
    auto colon = url.find("://");
    if (colon == std::string_view::npos) return false;
    std::string_view scheme = url.substr(0, colon);
    if (ascii_iequals(scheme, "https"))
        out.tls = true;
    else if (!ascii_iequals(scheme, "http"))
        return false;
    std::string_view rest = url.substr(colon + 3);
    auto end_auth = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, end_auth);
    std::string_view tail = end_auth == std::string_view::npos ? std::string_view{} : rest.substr(end_auth);
    if (authority.empty() || authority.find('@') != std::string_view::npos) return false;

    std::string_view host, port;
    if (authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos || close == 1) return false;
        host = authority.substr(1, close - 1);
        for (char c : host)
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
                return false;
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return false;
            port = after.substr(1);
            if (port.empty()) return false;
        }
    } else {
        auto c = authority.rfind(':');
        host = authority.substr(0, c);
        if (c != std::string_view::npos) {
            port = authority.substr(c + 1);
            if (port.empty()) return false;
        }
        if (host.empty()) return false;
        for (char ch : host)
            if (!is_host_char(ch)) return false;
        if (host.front() == '.' || host.front() == '-') return false;
    }
    if (!port.empty()) {
        if (port.size() > 5) return false;
        unsigned v = 0;
        for (char ch : port) {
            if (ch < '0' || ch > '9') return false;
            v = v * 10 + static_cast<unsigned>(ch - '0');
        }
        if (v == 0 || v > 65535) return false;
        out.port = static_cast<std::uint16_t>(v);
    } else {
        out.port = out.tls ? 443 : 80;
    }
    out.host.assign(host.data(), host.size());
    auto hash = tail.find('#');  // a fragment is never sent
    if (hash != std::string_view::npos) tail = tail.substr(0, hash);
    if (tail.empty() || tail.front() == '?') out.target = "/";
    out.target.append(tail.data(), tail.size());
    return true;
}

inline bool is_http_url(std::string_view url)
{
    url_parts p;
    return parse_http_url(url, p);
}

// Percent-encodes everything but RFC 3986 unreserved characters, for a query value.
inline void append_percent_encoded(std::string& out, std::string_view s)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
}

} // namespace detail
} // namespace akool

#endif
