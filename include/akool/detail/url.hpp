// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_URL_HPP
#define AKOOL_DETAIL_URL_HPP

// A small absolute http(s) URL splitter: scheme, host, port, target. Standard library only so
// that the validator stays free of compiled dependencies (Boost.URL needs linking or its
// src.hpp). It accepts what RFC 3986 allows in an http(s) URL and refuses the rest, with two
// deliberate restrictions: a registered name holds letters, digits, `-._~` and percent-escapes
// (no sub-delims such as `!$&'()*+,;=`), and an IP literal in brackets must be an IPv6
// address (RFC 3986 `IPv6address`, optionally ending in a dotted IPv4 address, no zone id):
// `IPvFuture` (`[v1.x]`) is refused, as nothing can connect to it.

#include <akool/detail/utf8.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

// The bytes a URL may hold as they are: printable ASCII except " < > \\ ^ ` { | } (no controls,
// space, DEL or non-ASCII). A table: every request's URL goes through it.
struct url_char_table {
    bool allowed[256] = {};
    constexpr url_char_table()
    {
        for (int u = 0x21; u < 0x7f; ++u) allowed[u] = true;
        for (char c : {'"', '<', '>', '\\', '^', '`', '{', '|', '}'}) allowed[static_cast<unsigned char>(c)] = false;
    }
};
inline bool is_url_char(char c) noexcept
{
    static constexpr url_char_table table;
    return table.allowed[static_cast<unsigned char>(c)];
}

inline bool is_host_char(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '%';
}

inline bool is_hex_digit(char c) noexcept
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// RFC 3986 reg-name as this parser takes it: host characters, each `%` followed by two hex
// digits, not starting with `.` or `-`.
inline bool is_reg_name(std::string_view host) noexcept
{
    if (host.empty() || host.front() == '.' || host.front() == '-') return false;
    for (std::size_t i = 0; i < host.size(); ++i) {
        if (!is_host_char(host[i])) return false;
        if (host[i] == '%') {
            if (i + 2 >= host.size() || !is_hex_digit(host[i + 1]) || !is_hex_digit(host[i + 2])) return false;
            i += 2;
        }
    }
    return true;
}

// RFC 3986 IPv4address: four dec-octets (0 to 255, no leading zero) separated by dots.
inline bool is_ipv4_address(std::string_view s, unsigned char* octets = nullptr) noexcept
{
    for (int octet = 0; octet < 4; ++octet) {
        if (octet != 0) {
            if (s.empty() || s.front() != '.') return false;
            s.remove_prefix(1);
        }
        std::size_t n = 0;
        unsigned v = 0;
        while (n < s.size() && n < 4 && s[n] >= '0' && s[n] <= '9') v = v * 10 + static_cast<unsigned>(s[n++] - '0');
        if (n == 0 || n > 3 || v > 255 || (n > 1 && s.front() == '0')) return false;
        if (octets) octets[octet] = static_cast<unsigned char>(v);
        s.remove_prefix(n);
    }
    return s.empty();
}

// RFC 3986 IPv6address: eight groups of 1 to 4 hex digits, or fewer with one `::` standing
// for at least one zero group; the last two groups may be written as an IPv4 address. With
// `words`, the address's eight 16-bit groups (one value for every spelling of an address).
inline bool is_ipv6_address(std::string_view s, std::uint16_t* words = nullptr) noexcept
{
    std::uint16_t got[8] = {};
    std::size_t groups = 0, i = 0, gap = 8;  // gap: where the `::` stands, in groups
    bool compressed = false;
    if (s.substr(0, 2) == "::") {
        compressed = true;
        gap = 0;
        i = 2;
    }
    while (i < s.size() || !compressed) {
        std::size_t j = i;
        unsigned v = 0;
        while (j < s.size() && is_hex_digit(s[j]) && j - i < 5) {
            const char c = s[j++];
            v = v * 16 + static_cast<unsigned>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        }
        if (j < s.size() && s[j] == '.') {  // the IPv4 tail: the rest of the literal
            unsigned char o[4];
            if (groups > 6 || !is_ipv4_address(s.substr(i), o)) return false;
            got[groups++] = static_cast<std::uint16_t>(o[0] << 8 | o[1]);
            got[groups++] = static_cast<std::uint16_t>(o[2] << 8 | o[3]);
            break;
        }
        if (j == i || j - i > 4 || groups >= 8) return false;
        got[groups++] = static_cast<std::uint16_t>(v);
        i = j;
        if (i == s.size()) break;
        if (s[i] != ':') return false;
        if (++i == s.size()) return false;  // a trailing single colon
        if (s[i] == ':') {
            if (compressed) return false;
            compressed = true;
            gap = groups;
            if (++i == s.size()) break;
        }
    }
    if (compressed ? groups > 7 : groups != 8) return false;
    if (words) {
        const std::size_t zeros = 8 - groups;
        for (std::size_t k = 0, from = 0; k < 8; ++k)
            words[k] = (k >= gap && k < gap + zeros) ? 0 : got[from++];
    }
    return true;
}

// An absolute http(s) URL's parts as views into it (split_http_url).
struct url_view {
    bool tls = false;
    std::string_view host;    // without brackets for IPv6 literals
    std::uint16_t port = 0;   // explicit or the scheme's default
    std::string_view tail;    // path and query as written, without the fragment (may be empty)
};

// The host and port of a non-empty authority without user information (`out.tls` already
// set: the default port is the scheme's), into `out`. False when the host is neither a
// registered name nor a bracketed IPv6 address, or the port is not 1 to 65535.
inline bool split_authority(std::string_view authority, url_view& out) noexcept
{
    std::string_view host, port;
    if (authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos || close == 1) return false;
        host = authority.substr(1, close - 1);
        if (!is_ipv6_address(host)) return false;
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
        if (!is_reg_name(host)) return false;
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
    out.host = host;
    return true;
}

// Why check_http_url refused a URL, in the order it checks (none: it did not).
enum class url_refusal : unsigned char {
    none,
    empty,
    bad_character,     // a space, a control character or another byte a URL may not hold
    no_scheme,         // no scheme://host part
    other_scheme,      // a scheme other than http and https
    no_host,
    user_info,         // user@host
    bad_host_or_port,  // not a host name or an IP literal, or a port outside 1 to 65535
};

// Where the "://" after a scheme is in `url`: a scheme begins the text and is a letter, then
// letters, digits, '+', '-' or '.' (RFC 3986 3.1); npos when none does. Text such as
// "https:/host/a.png?sig=...&next=http://x" has no scheme, whatever "://" its query holds, so
// a message never quotes its query as a scheme (helper-50's review).
inline std::size_t scheme_separator(std::string_view url) noexcept
{
    const std::size_t at = url.find("://");
    if (at == std::string_view::npos || at == 0) return std::string_view::npos;
    for (std::size_t i = 0; i < at; ++i) {
        const char c = url[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!letter && (i == 0 || !((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')))
            return std::string_view::npos;
    }
    return at;
}

// Splits an absolute http:// or https:// URL into views of it, allocating nothing; for
// anything else says why (`out` then holds nothing to use).
inline url_refusal check_http_url(std::string_view url, url_view& out) noexcept
{
    out = url_view{};
    if (url.empty()) return url_refusal::empty;
    for (char c : url)
        if (!is_url_char(c) && c != '#') return url_refusal::bad_character;
    const std::size_t colon = scheme_separator(url);
    if (colon == std::string_view::npos) return url_refusal::no_scheme;
    std::string_view scheme = url.substr(0, colon);
    if (ascii_iequals(scheme, "https"))
        out.tls = true;
    else if (!ascii_iequals(scheme, "http"))
        return url_refusal::other_scheme;
    std::string_view rest = url.substr(colon + 3);
    auto end_auth = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, end_auth);
    std::string_view tail = end_auth == std::string_view::npos ? std::string_view{} : rest.substr(end_auth);
    if (authority.empty()) return url_refusal::no_host;
    if (authority.find('@') != std::string_view::npos) return url_refusal::user_info;
    if (!split_authority(authority, out)) return url_refusal::bad_host_or_port;
    out.tail = tail.substr(0, tail.find('#'));  // a fragment is never sent
    return url_refusal::none;
}

// check_http_url, true when it took the URL.
inline bool split_http_url(std::string_view url, url_view& out) noexcept
{
    return check_http_url(url, out) == url_refusal::none;
}

// Splits an absolute http:// or https:// URL (split_http_url) into owned parts; the target
// is at least "/". Returns false, `out` emptied, for anything else; `why`, when given, says
// why (check_http_url).
inline bool parse_http_url(std::string_view url, url_parts& out, url_refusal* why = nullptr)
{
    out = url_parts{};
    url_view v;
    const url_refusal refusal = check_http_url(url, v);
    if (why) *why = refusal;
    if (refusal != url_refusal::none) return false;
    out.tls = v.tls;
    out.port = v.port;
    out.host.assign(v.host.data(), v.host.size());
    if (v.tail.empty() || v.tail.front() == '?') out.target = "/";
    out.target.append(v.tail.data(), v.tail.size());
    return true;
}

inline bool is_http_url(std::string_view url) noexcept
{
    url_view v;
    return split_http_url(url, v);
}

// Appends `host` as an authority writes it (an IPv6 literal in brackets: "[::1]"), then
// ":port" when `with_port`.
inline void append_host_port(std::string& out, std::string_view host, std::uint16_t port, bool with_port)
{
    const bool literal = host.find(':') != std::string_view::npos;
    if (literal) out += '[';
    out.append(host.data(), host.size());
    if (literal) out += ']';
    if (!with_port) return;
    out += ':';
    append_decimal(out, port);
}

// The host as an authority writes it: an IPv6 literal in brackets ("[::1]").
inline std::string authority_host(std::string_view host)
{
    std::string s;
    append_host_port(s, host, 0, false);
    return s;
}

// A host name without the DNS root's dot ("example.com." is "example.com"): TLS's SNI may not
// carry the dot (RFC 6066), a certificate names the host without it, and a resolve entry
// names the same host either way.
inline std::string_view without_root_dot(std::string_view host) noexcept
{
    if (host.size() > 1 && host.back() == '.') host.remove_suffix(1);
    return host;
}

// Whether a resolve entry for `entry_host` and `entry_port` (0: every port) gives the
// addresses of `host` on `port` (beast_transport_options::resolve; ASCII case and a root dot
// ignored).
inline bool resolve_entry_matches(std::string_view entry_host, std::uint16_t entry_port, std::string_view host,
                                  std::uint16_t port) noexcept
{
    return (entry_port == 0 || entry_port == port) &&
           ascii_iequals(without_root_dot(entry_host), without_root_dot(host));
}

// "host:port" with the port always ("[::1]:8080"), as CONNECT and messages name a peer.
inline std::string host_with_port(std::string_view host, std::uint16_t port)
{
    std::string s;
    append_host_port(s, host, port, true);
    return s;
}

// The authority as a Host header carries it: the host ([bracketed] when IPv6) and the port
// when it is not the scheme's default.
inline std::string url_authority(const url_parts& u)
{
    std::string s;
    append_host_port(s, u.host, u.port, u.port != (u.tls ? 443 : 80));
    return s;
}

// url_for_message for text that is not a usable http(s) URL (split_http_url refused it), as
// the validator quotes it.
AKOOL_COLD inline std::string unusable_url_for_message(std::string_view url)
{
    const std::size_t sep = scheme_separator(url);
    const std::size_t start = sep == std::string_view::npos ? 0 : sep + 3;
    std::string out(url.substr(0, start));
    // The user information ends at the last '@' of the whole text: a password may hold '/',
    // '?' or '#' unescaped, and cutting at the query first showed its start (helper-45).
    const auto at = url.rfind('@');
    std::string_view rest = url.substr(start);
    if (at != std::string_view::npos && at >= start) {
        out += "***";
        rest = url.substr(at);
    }
    const std::size_t q = rest.find_first_of("?#");
    out.append(rest.data(), q == std::string_view::npos ? rest.size() : q);
    if (q != std::string_view::npos) out += rest[q] == '?' ? "?..." : "#...";
    return out;
}

// The most of a URL a message quotes, in bytes (then "... (N bytes)").
inline constexpr std::size_t max_quoted_url = 80;

// Why check_http_url refused `url` (`why`), as the end of a sentence (" is empty", " uses
// the scheme \"ftp\"; only http and https are accepted", ...), appended to `out`. The one
// place that says why a URL is refused: the validator, the client's base_url, a result's
// image URL and a download's URL use it.
AKOOL_COLD inline void append_url_refusal(std::string& out, std::string_view url, url_refusal why)
{
    switch (why) {
    case url_refusal::none:  // (not called for a URL that passed)
    case url_refusal::bad_host_or_port: out += " has an invalid host or port (the port must be 1 to 65535)"; break;
    case url_refusal::empty: out += " is empty"; break;
    case url_refusal::bad_character:
        out += " contains a space, a control character or another character a URL may not hold (percent-encode it)";
        break;
    case url_refusal::no_scheme: out += " is not an absolute URL (it has no scheme://host part)"; break;
    case url_refusal::other_scheme:
        out += " uses the scheme ";
        out += quote_printable(url.substr(0, scheme_separator(url)), max_quoted_url);
        out += "; only http and https are accepted";
        break;
    case url_refusal::no_host: out += " has no host"; break;
    case url_refusal::user_info: out += " holds user information (user@host), which is not accepted"; break;
    }
}

// The sentence for such a `url`: `what` ("base_url", a field's description), the URL quoted
// without its secrets (unusable_url_for_message, one printable line, cut after 80 bytes) and
// why.
AKOOL_COLD inline std::string refused_url_message(std::string_view what, std::string_view url, url_refusal why)
{
    std::string out(what);
    if (!url.empty()) {
        out += ' ';
        out += quote_printable(unusable_url_for_message(url), max_quoted_url);
    }
    append_url_refusal(out, url, why);
    return out;
}

// What a message asks of the user who gave such a URL.
inline constexpr std::string_view give_http_url = "; give an absolute http:// or https:// URL";

// A URL as a message may show it, never what a secret may live in: its query string and
// fragment (a pre-signed URL's signature, a token) become "?..." or "#...", and any user
// information (`user:password@`) "***@". A usable http(s) URL (parse_http_url) is shown as
// parsed: scheme, authority, path. Any other text (an unusable URL a validation message
// quotes, a hostile Location) is shown as written but for those parts; its user information
// is found from the last '@' of the whole text, not before the first '/' or '?', since a
// password may hold those (an '@' in a path or a query hides the host too, which only costs
// the message the host's name). Not escaped:
// the caller quotes it (quote, quote_printable) or diagnostics::summary escapes it.
AKOOL_COLD inline std::string url_for_message(std::string_view url)
{
    url_view u;
    if (!split_http_url(url, u)) return unusable_url_for_message(url);
    std::string out(u.tls ? "https://" : "http://");
    append_host_port(out, u.host, u.port, u.port != (u.tls ? 443 : 80));
    const std::string_view path = u.tail.substr(0, u.tail.find('?'));
    if (path.empty()) out += '/';
    out.append(path.data(), path.size());
    if (path.size() < u.tail.size()) out += "?...";
    return out;
}

// RFC 3986 5.2.4 on an absolute path ("/a/b/../c" -> "/a/c").
inline std::string remove_dot_segments(std::string_view path)
{
    std::vector<std::string_view> segs;
    std::size_t i = path.empty() || path.front() != '/' ? 0 : 1;
    for (;;) {
        std::size_t j = path.find('/', i);
        bool last = j == std::string_view::npos;
        if (last) j = path.size();
        std::string_view s = path.substr(i, j - i);
        if (s == ".") {
            if (last) segs.emplace_back();
        } else if (s == "..") {
            if (!segs.empty()) segs.pop_back();
            if (last) segs.emplace_back();
        } else {
            segs.push_back(s);
        }
        if (last) break;
        i = j + 1;
    }
    std::string out;
    for (auto s : segs) {
        out += '/';
        out.append(s.data(), s.size());
    }
    return out.empty() ? "/" : out;
}

// Resolves `ref` (a Location header: an absolute http(s) URL, "//host/path", "/path",
// "path" or "?query") against the absolute URL `base`, into `out`. False when either is
// not usable (another scheme, a character a URL may not contain, no host).
inline bool resolve_url_reference(std::string_view base, std::string_view ref, std::string& out)
{
    url_parts b;
    if (ref.empty() || !parse_http_url(base, b)) return false;
    for (char c : ref)
        if (!is_url_char(c) && c != '#') return false;
    if (auto hash = ref.find('#'); hash != std::string_view::npos) ref = ref.substr(0, hash);
    auto colon = ref.find(':');
    if (colon != std::string_view::npos && colon < ref.find_first_of("/?")) {
        out.assign(ref.data(), ref.size());  // a scheme: absolute (parse_http_url refuses other schemes)
    } else if (ref.substr(0, 2) == "//") {
        out = b.tls ? "https:" : "http:";
        out.append(ref.data(), ref.size());
    } else {
        std::string_view target = b.target;
        std::string_view path = target.substr(0, target.find('?'));
        std::string merged;
        if (ref.empty()) {  // only a fragment: the base itself, query kept (RFC 3986 5.2.2)
            merged.assign(target.data(), target.size());
        } else if (ref.front() == '?') {
            merged.assign(path.data(), path.size());
        } else if (ref.front() == '/') {
            merged.clear();
        } else {
            merged.assign(path.data(), path.rfind('/') + 1);
        }
        merged.append(ref.data(), ref.size());
        auto q = merged.find('?');
        std::string resolved = remove_dot_segments(std::string_view(merged).substr(0, q));
        if (q != std::string::npos) resolved.append(merged, q, std::string::npos);
        out = (b.tls ? "https://" : "http://") + url_authority(b) + resolved;
    }
    url_parts check;
    return parse_http_url(out, check);
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
