// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_TEST_LOCALHOST_HPP
#define AKOOL_TEST_LOCALHOST_HPP

// The tests connect to 127.0.0.1, except the TLS cases that check a certificate's DNS name,
// which connect by the name "localhost". Where that name does not resolve (a container or a
// bare root without /etc/hosts) those cases are skipped, each with a line on stderr saying
// why, instead of failing on a resolver error.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <iostream>
#include <string_view>

namespace akool_test {

/// True when "localhost" resolves, and only to loopback addresses.
inline bool localhost_resolves()
{
    static const bool ok = [] {
        boost::asio::io_context ioc;
        boost::asio::ip::tcp::resolver resolver(ioc);
        boost::system::error_code ec;
        auto results = resolver.resolve("localhost", "443", ec);
        if (ec || results.empty())
            return false;
        for (const auto& entry : results)
            if (!entry.endpoint().address().is_loopback())
                return false;
        return true;
    }();
    return ok;
}

/// True (and a line on stderr) when a case that needs `host` must be skipped: `host` is
/// "localhost" and that name does not resolve to loopback here.
inline bool skip_host(std::string_view host, std::string_view test_case)
{
    if (host != "localhost" || localhost_resolves())
        return false;
    std::cerr << "SKIPPED " << test_case << " by the name localhost: it does not resolve to a "
              << "loopback address on this machine (add \"127.0.0.1 localhost\" to /etc/hosts)\n";
    return true;
}

} // namespace akool_test

#endif
