// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// A single-threaded embedded build: Asio without threads (BOOST_ASIO_DISABLE_THREADS, defined
// for this whole program, which holds no other Asio code), header-only. Asio's resolver needs
// a thread of its own: a host name is refused with an error_code that says so (it used to
// throw out of the error_code form: std::terminate), while an IP address needs no resolver
// and goes on to connect. No server: port 1 of the loopback refuses the connection. A plain
// main; a failed check prints and exits 1.
#ifndef BOOST_ASIO_DISABLE_THREADS
#error "no_threads.cpp is built with BOOST_ASIO_DISABLE_THREADS"
#endif

#include <akool/akool.hpp>

#include <boost/system/errc.hpp>

#include <cstdio>
#include <string>

namespace {

int failures = 0;

void check(bool ok, const char* what, const akool::error_code& ec, const akool::diagnostics& diag)
{
    std::printf("%s %s: %s: %s\n", ok ? "ok  " : "FAIL", what, ec.message().c_str(), diag.summary().c_str());
    if (!ok) ++failures;
}

std::vector<akool::image_task> create_at(const std::string& base_url, akool::error_code& ec, akool::diagnostics& diag)
{
    boost::asio::io_context ioc;
    akool::client_options opts;
    opts.base_url = base_url;
    opts.api_key = "key";
    akool::client client(ioc, opts);
    akool::retry_policy none;
    none.max_retries = 0;
    client.set_retry_policy(none);
    return client.create(akool::image_request::text_to_image("a lighthouse"), ec, diag);
}

} // namespace

int main()
{
    akool::error_code ec;
    akool::diagnostics diag;
    create_at("http://localhost:1", ec, diag);
    check(ec == boost::system::errc::operation_not_supported &&
              diag.client_message.find("BOOST_ASIO_DISABLE_THREADS") != std::string::npos,
          "a host name is refused with an error_code that names the setting", ec, diag);

    create_at("http://127.0.0.1:1", ec, diag);
    check(ec == boost::system::errc::connection_refused, "an IP address needs no resolver", ec, diag);

    std::printf("%d failed\n", failures);
    return failures == 0 ? 0 : 1;
}
