// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_ADDRESS_POLICY_HPP
#define AKOOL_DETAIL_ADDRESS_POLICY_HPP

// Which addresses a download may connect to. An image URL and its redirects come from the
// service: a hostile or compromised one could point them at the user's own network (a router's
// admin page, a cloud's metadata service at 169.254.169.254). A download then goes to public
// addresses only, unless the API itself is on a private address or name (an emulator, a test
// server). The Beast transport filters the resolved addresses with `is_public_address`; the
// client decides per download with `public_downloads_only`.

#include <akool/workflow.hpp>
#include <akool/detail/url.hpp>

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <array>
#include <initializer_list>
#include <cstdint>
#include <string_view>

namespace akool {
namespace detail {

// True when `a` is in none of the special-purpose ranges of IANA's registries that a public
// host never uses: "this network", loopback, private (RFC 1918, fc00::/7), shared (100.64/10),
// link-local, the IETF protocol and documentation blocks, multicast, reserved and broadcast;
// IPv6's unspecified, loopback, discard-only, benchmarking, site-local, SRv6 and
// IPv4-compatible addresses, and local-use NAT64 other than a /96. An address that carries an
// IPv4 one (carried_v4) is judged by it. Not 198.18/15 (benchmarking) as an answer for a name:
// "fake-IP" DNS proxies (Clash, sing-box, Surge) answer every name from it, so that refusing
// it would refuse every download of their users; written as a URL's host, in any form, it is
// refused (names_a_private_host).
inline bool in_v4_block(std::uint32_t a, std::uint32_t net, int bits) noexcept
{
    return (a >> (32 - bits)) == (net >> (32 - bits));
}

inline bool is_public_v4(std::uint32_t a) noexcept
{
    const auto in = [a](std::uint32_t net, int bits) { return in_v4_block(a, net, bits); };
    return !(in(0x00000000, 8) ||    // 0.0.0.0/8 "this network"
             in(0x0a000000, 8) ||    // 10/8 private
             in(0x64400000, 10) ||   // 100.64/10 shared (carrier-grade NAT)
             in(0x7f000000, 8) ||    // 127/8 loopback
             in(0xa9fe0000, 16) ||   // 169.254/16 link-local (cloud metadata services)
             in(0xac100000, 12) ||   // 172.16/12 private
             in(0xc0000000, 24) ||   // 192.0.0/24 IETF protocol assignments
             in(0xc0000200, 24) ||   // 192.0.2/24 documentation
             in(0xc0a80000, 16) ||   // 192.168/16 private
             in(0xc6336400, 24) ||   // 198.51.100/24 documentation
             in(0xcb007100, 24) ||   // 203.0.113/24 documentation
             in(0xe0000000, 4) ||    // 224/4 multicast
             in(0xf0000000, 4));     // 240/4 reserved, 255.255.255.255 broadcast
}

// True when the bytes of an IPv6 address begin with `prefix`.
inline bool starts_with(const std::array<unsigned char, 16>& bytes, std::initializer_list<unsigned char> prefix) noexcept
{
    return std::equal(prefix.begin(), prefix.end(), bytes.begin());
}

// The IPv4 address `address` stands for, into `v4`: itself, or the one an IPv6 address
// carries at its end (IPv4-mapped ::ffff:0:0/96, SIIT's ::ffff:0:0:0/96, NAT64's
// 64:ff9b::/96 and local-use 64:ff9b:1::/96) or after 6to4's 2002::/16. False for another.
inline bool carried_v4(const boost::asio::ip::address& address, std::uint32_t& v4) noexcept
{
    if (address.is_v4()) {
        v4 = address.to_v4().to_uint();
        return true;
    }
    const std::array<unsigned char, 16> b = address.to_v6().to_bytes();
    const auto prefix_is = [&b](std::initializer_list<unsigned char> p) { return starts_with(b, p); };
    const auto v4_at = [&b](std::size_t i) {
        return std::uint32_t(b[i]) << 24 | std::uint32_t(b[i + 1]) << 16 | std::uint32_t(b[i + 2]) << 8 | b[i + 3];
    };
    if (prefix_is({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}) ||     // IPv4-mapped
        prefix_is({0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0}) ||     // SIIT
        prefix_is({0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0}) ||  // NAT64, well-known
        prefix_is({0, 0x64, 0xff, 0x9b, 0, 0x01, 0, 0, 0, 0, 0, 0})) // NAT64, local use, as a /96
    {
        v4 = v4_at(12);
        return true;
    }
    if (prefix_is({0x20, 0x02})) {  // 6to4
        v4 = v4_at(2);
        return true;
    }
    return false;
}

inline bool is_public_address(const boost::asio::ip::address& address) noexcept
{
    std::uint32_t v4 = 0;
    if (carried_v4(address, v4)) return is_public_v4(v4);
    const std::array<unsigned char, 16> b = address.to_v6().to_bytes();
    const auto prefix_is = [&b](std::initializer_list<unsigned char> p) { return starts_with(b, p); };
    // 64:ff9b:1::/48 under a prefix other than /96 carries its IPv4 address elsewhere (RFC
    // 6052), which may be a private one (RFC 8215): refused.
    if (prefix_is({0, 0x64, 0xff, 0x9b, 0, 0x01})) return false;
    if (prefix_is({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})) return false;    // ::, ::1, ::/96 IPv4-compatible
    if (prefix_is({0x01, 0, 0, 0, 0, 0, 0, 0})) return false;             // 100::/64 discard-only
    if (prefix_is({0x20, 0x01, 0, 0x02, 0, 0})) return false;             // 2001:2::/48 benchmarking
    if (prefix_is({0x20, 0x01, 0x0d, 0xb8})) return false;                // 2001:db8::/32 documentation
    if (b[0] == 0x3f && b[1] == 0xff && (b[2] & 0xf0) == 0) return false; // 3fff::/20 documentation
    if (prefix_is({0x5f, 0x00})) return false;                            // 5f00::/16 SRv6 SIDs
    if ((b[0] & 0xfe) == 0xfc) return false;                              // fc00::/7 unique local (private)
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false;              // fe80::/10 link-local
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return false;              // fec0::/10 site-local
    if (b[0] == 0xff) return false;                                       // ff00::/8 multicast
    return true;
}

// True when `host` (a URL's, IPv6 literals without brackets) names the user's own machine or
// network in itself: an address that is not public, "localhost" or a name under it, or a name
// of one label ("emulator", an intranet or container name). So is a host whose last label is a
// number ("127.1", "0x7f.1", "2130706433", "0251.0376.0251.0376": IPv4 in the forms
// inet_aton and URL parsers accept, which a proxy's resolver may take), whatever it stands
// for; a host holding a percent escape ("127.0.0.%31", which some proxies decode); and
// 198.18/15 written as an address (under a fake-IP DNS proxy, a name it mapped earlier). Any
// other name may resolve anywhere: the transport checks its addresses.
inline bool names_a_private_host(std::string_view host) noexcept
{
    while (!host.empty() && host.back() == '.') host.remove_suffix(1);  // fully qualified: "127.0.0.1.", "localhost."
    if (host.find('%') != std::string_view::npos) return true;
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(host, ec);
    if (!ec) {
        std::uint32_t v4 = 0;
        const bool fake_ip_block = carried_v4(address, v4) && in_v4_block(v4, 0xc6120000, 15);  // 198.18/15
        return fake_ip_block || !is_public_address(address);
    }
    const std::string_view last = host.substr(host.rfind('.') + 1);  // the whole host when it has no dot
    const bool hex = last.size() > 1 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X');
    if (!last.empty() && std::all_of(last.begin() + (hex ? 2 : 0), last.end(),
                                     [hex](char c) { return hex ? is_hex_digit(c) : c >= '0' && c <= '9'; }))
        return true;
    if (host.find('.') == std::string_view::npos) return true;       // one label, "localhost" too
    constexpr std::string_view localhost = ".localhost";
    return host.size() > localhost.size() && ascii_iequals(host.substr(host.size() - localhost.size()), localhost);
}

// Whether a download for a client whose API is at `base_url` goes to public addresses only,
// given `opts.addresses` (download_addresses::like_the_api: unless the API's host is private
// by `names_a_private_host`).
inline bool public_downloads_only(const download_options& opts, std::string_view base_url) noexcept
{
    switch (opts.addresses) {
    case download_addresses::public_only: return true;
    case download_addresses::any: return false;
    case download_addresses::like_the_api: break;
    }
    url_view api;
    return !split_http_url(base_url, api) || !names_a_private_host(api.host);
}

} // namespace detail
} // namespace akool

#endif
