// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// Which addresses a download may connect to (detail/address_policy.hpp): the public-address
// test over IANA's special-purpose blocks, the names that say in themselves that a host is
// local, and the per-download decision from download_options::addresses and the API's URL.
#define BOOST_TEST_MODULE address_policy
#include <boost/test/unit_test.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <akool/detail/address_policy.hpp>

#include <iterator>
#include <ostream>
#include <string>

namespace bdata = boost::unit_test::data;
using akool::download_addresses;

namespace {

struct address_case {
    const char* address;
    bool is_public;
};
std::ostream& operator<<(std::ostream& os, const address_case& c) { return os << c.address; }

const address_case addresses[] = {
    {"93.184.216.34", true},
    {"8.8.8.8", true},
    {"1.1.1.1", true},
    {"172.15.255.255", true},   // just below 172.16/12
    {"172.32.0.0", true},       // just above it
    {"100.63.255.255", true},   // just below 100.64/10
    {"100.128.0.0", true},      // just above it
    {"169.253.255.255", true},
    {"223.255.255.255", true},  // the last unicast block below multicast
    {"0.0.0.0", false},
    {"0.1.2.3", false},
    {"10.0.0.1", false},
    {"100.64.0.1", false},
    {"100.127.255.254", false},
    {"127.0.0.1", false},
    {"127.255.255.254", false},
    {"169.254.169.254", false},  // cloud metadata services
    {"172.16.0.1", false},
    {"172.31.255.255", false},
    {"192.0.0.8", false},
    {"192.0.2.1", false},
    {"192.168.1.1", false},
    {"198.17.255.255", true},
    {"198.18.0.1", true},  // benchmarking, but fake-IP DNS proxies answer every name from 198.18/15
    {"198.19.255.255", true},
    {"198.20.0.0", true},
    {"169.254.0.0", false},
    {"198.51.100.7", false},
    {"203.0.113.9", false},
    {"224.0.0.1", false},
    {"239.255.255.250", false},
    {"240.0.0.1", false},
    {"255.255.255.255", false},
    {"2606:2800:220:1:248:1893:25c8:1946", true},
    {"2001:4860:4860::8888", true},
    {"::ffff:93.184.216.34", true},  // IPv4-mapped: judged by the IPv4 address
    {"64:ff9b::808:808", true},      // NAT64 of 8.8.8.8
    {"::ffff:0:5db8:d822", true},    // SIIT of 93.184.216.34
    {"2002:5db8:d822::1", true},     // 6to4 of 93.184.216.34
    {"::ffff:0:7f00:1", false},      // SIIT of 127.0.0.1
    {"2002:7f00:1::1", false},       // 6to4 of 127.0.0.1
    {"2002:a9fe:a9fe::1", false},    // 6to4 of 169.254.169.254
    {"64:ff9b:1::a00:1", false},     // local-use NAT64 of 10.0.0.1
    {"64:ff9b:1::808:808", true},    // local-use NAT64 /96 of 8.8.8.8 (a local DNS64's answer)
    {"64:ff9b:1:a00:0:100:808:808", false},  // local-use NAT64 /48: 10.0.0.1 in bits 48-87 (RFC 6052)
    {"64:ff9b:1:0:1::1", false},     // local-use NAT64, not a /96
    {"2001:2::1", false},            // benchmarking
    {"3fff::1", false},              // documentation (RFC 9637)
    {"3fff:fff::1", false},
    {"3fff:1000::1", true},          // just past 3fff::/20
    {"3ffe::1", true},
    {"5f00::1", false},              // SRv6 SIDs
    {"::", false},
    {"::1", false},
    {"::ffff:127.0.0.1", false},
    {"::ffff:169.254.169.254", false},
    {"::ffff:10.1.2.3", false},
    {"64:ff9b::a00:1", false},  // NAT64 of 10.0.0.1
    {"::127.0.0.1", false},     // IPv4-compatible (deprecated)
    {"100::1", false},
    {"2001:db8::1", false},
    {"fc00::1", false},
    {"fd12:3456:789a::1", false},
    {"fe80::1", false},
    {"febf::1", false},
    {"fec0::1", false},
    {"ff02::1", false},
};

} // namespace

BOOST_DATA_TEST_CASE(an_address_is_public_unless_a_special_block_holds_it, bdata::make(addresses), c)
{
    const auto a = boost::asio::ip::make_address(c.address);
    BOOST_TEST(akool::detail::is_public_address(a) == c.is_public, c.address);
    // A host written as that address names a private host exactly when it is not public, or
    // is in 198.18/15 (a fake-IP DNS proxy's answer, public only as the answer for a name).
    std::uint32_t v4 = 0;
    const bool fake_ip_block = akool::detail::carried_v4(a, v4) && (v4 & 0xfffe0000u) == 0xc6120000u;
    BOOST_TEST(akool::detail::names_a_private_host(c.address) == (!c.is_public || fake_ip_block), c.address);
}

namespace {
struct name_case {
    const char* host;
    bool is_private;
};
std::ostream& operator<<(std::ostream& os, const name_case& c) { return os << c.host; }
const name_case names[] = {
    {"localhost", true},
    {"LOCALHOST", true},
    {"localhost.", true},
    {"api.localhost", true},
    {"a.b.LocalHost", true},
    {"emulator", true},  // one label: an intranet or container name
    {"openapi.akool.com", false},
    {"cdn.example.test", false},
    {"localhost.example.com", false},
    {"notlocalhost", true},  // one label still
    {"mylocalhost.com", false},
    {"127.0.0.1.", true},  // fully qualified
    {"169.254.169.254.", true},
    {"93.184.216.34.", false},
    // IPv4 in the other forms inet_aton and URL parsers accept (a proxy's resolver may): a last
    // label that is a number is taken for an address, whatever it stands for.
    {"127.1", true},
    {"10.1", true},
    {"0x7f.1", true},
    {"0X7F000001", true},
    {"2130706433", true},
    {"0251.0376.0251.0376", true},
    {"cdn.example.123", true},
    {"cdn1.example.com", false},
    {"123.example.com", false},
    {"127.0.0.1..", true},
    {"0x", true},
    {"198.18.0.1", true},  // written as an address: under a fake-IP DNS proxy, a name it mapped
    {"198.19.255.255", true},
    {"::ffff:198.18.0.1", true},  // in any form
    {"2002:c612:1::1", true},     // 6to4 of 198.18.0.1
    {"198.17.255.255", false},
    {"198.20.0.0", false},
    // A percent escape, which some proxies decode ("127.0.0.1", "x.localhost").
    {"127.0.0.%31", true},
    {"x.%6cocalhost", true},
};
} // namespace

BOOST_DATA_TEST_CASE(a_local_name_says_its_host_is_private, bdata::make(names), c)
{
    BOOST_TEST(akool::detail::names_a_private_host(c.host) == c.is_private, c.host);
}

namespace {
struct decision_case {
    download_addresses policy;
    const char* base_url;
    bool public_only;
};
std::ostream& operator<<(std::ostream& os, const decision_case& c)
{
    return os << static_cast<int>(c.policy) << " " << c.base_url;
}
const decision_case decisions[] = {
    {download_addresses::like_the_api, "https://openapi.akool.com", true},
    {download_addresses::like_the_api, "https://openapi.akool.com/api/open/v4", true},
    {download_addresses::like_the_api, "http://93.184.216.34:8080", true},
    {download_addresses::like_the_api, "http://127.0.0.1:8080", false},
    {download_addresses::like_the_api, "http://[::1]:8080", false},
    {download_addresses::like_the_api, "http://localhost:8080", false},
    {download_addresses::like_the_api, "http://emulator:8080", false},
    {download_addresses::like_the_api, "http://10.0.0.5", false},
    {download_addresses::like_the_api, "not a url", true},  // refused elsewhere; never the lenient side
    {download_addresses::public_only, "http://127.0.0.1:8080", true},
    {download_addresses::public_only, "https://openapi.akool.com", true},
    {download_addresses::any, "https://openapi.akool.com", false},
    {download_addresses::any, "http://127.0.0.1:8080", false},
};
} // namespace

BOOST_DATA_TEST_CASE(a_download_goes_to_public_addresses_unless_the_api_is_private_or_the_user_allows_any,
                     bdata::make(decisions), c)
{
    akool::download_options o;
    BOOST_TEST((o.addresses == download_addresses::like_the_api), "the default");
    o.addresses = c.policy;
    BOOST_TEST(akool::detail::public_downloads_only(o, c.base_url) == c.public_only, c.base_url);
}
