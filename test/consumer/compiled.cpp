// The compiled mode as a user builds it: AKOOL_SEPARATE_COMPILATION comes from the build
// (CMake's akool::compiled, pkg-config's or Meson's akool-compiled), not from this file, and
// the library's code from its static library. Prints the encoded body of a valid request,
// then the error of one blocking create against a port where nothing listens.
#ifndef AKOOL_SEPARATE_COMPILATION
#error "compiled.cpp is built with akool's compiled library, which defines AKOOL_SEPARATE_COMPILATION"
#endif

#include <akool/blocking_client.hpp>
#include <akool/json.hpp>
#include <akool/validate.hpp>

#include <boost/system/errc.hpp>

#include <iostream>

int main()
{
    auto req = akool::image_request::text_to_image("A lighthouse in a storm");
    if (!akool::validate(req).empty()) return 1;
    std::cout << akool::encode_image_request(req) << "\n";

    akool::client_options opts;
    opts.base_url = "http://127.0.0.1:1";  // nothing listens on port 1
    opts.api_key = "key";
    akool::blocking_client client(opts);
    akool::retry_policy none;
    none.max_retries = 0;
    client.set_retry_policy(none);
    akool::error_code ec;
    auto tasks = client.create(req, ec);
    std::cout << "create: " << ec.message() << "\n";
    return ec == boost::system::errc::connection_refused && tasks.empty() ? 0 : 1;
}
