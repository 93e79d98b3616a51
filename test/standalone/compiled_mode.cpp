// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// The compiled mode, linked and run: this file is built with AKOOL_SEPARATE_COMPILATION (its
// includes reach no Asio, Beast or OpenSSL header: standalone.no_io_in_core checks the facade's
// header) and linked with the compiled library (CMake's akool::compiled, Meson's
// akool-compiled), which compiles <akool/src.hpp> once. The facade runs for real: a request
// that fails validation is never sent, a server that refuses the connection is reported,
// cancel() with no call running does nothing.
#define BOOST_TEST_MODULE compiled_mode
#include <boost/test/unit_test.hpp>

#ifndef AKOOL_SEPARATE_COMPILATION
#error "compiled_mode.cpp is built with AKOOL_SEPARATE_COMPILATION"
#endif

#include <akool/blocking_client.hpp>
#include <akool/json.hpp>
#include <akool/validate.hpp>

#include <boost/system/errc.hpp>

BOOST_AUTO_TEST_CASE(core_functions_come_from_src_hpp)
{
    auto req = akool::image_request::text_to_image("a lighthouse");
    BOOST_TEST(akool::validate(req).empty());
    BOOST_TEST(akool::encode_image_request(req).find("\"lighthouse") == std::string::npos);
    BOOST_TEST(akool::encode_image_request(req).find("a lighthouse") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_facade_runs)
{
    akool::client_options opts;
    opts.base_url = "http://127.0.0.1:1";  // nothing listens on port 1
    opts.api_key = "key";
    akool::blocking_client client(opts);
    akool::retry_policy none;
    none.max_retries = 0;
    client.set_retry_policy(none);
    client.cancel();  // no call running: no effect on the next one

    akool::error_code ec;
    akool::diagnostics diag;
    auto bad = akool::image_request::text_to_image("   ");
    client.create(bad, ec, diag);
    BOOST_TEST((ec == akool::error::validation_failed), ec.message());

    auto tasks = client.create(akool::image_request::text_to_image("a lighthouse"), ec, diag);
    BOOST_TEST((ec == boost::system::errc::connection_refused), ec.message() << ": " << diag.summary());
    BOOST_TEST(tasks.empty());
    BOOST_CHECK_THROW(client.get_result("task-1"), akool::error_with_diagnostics);
}
