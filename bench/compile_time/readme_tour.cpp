// Compile-time TU "header_only_client" (bench/compile-time.sh): README.md's library tour as
// written there (#include <akool/akool.hpp>, one generate), header-only mode. Keep it in step
// with the README.
#include <akool/akool.hpp>
#include <cstdlib>
#include <iostream>

int main()
{
    boost::asio::io_context ioc;
    akool::client_options opts;
    if (const char* key = std::getenv("AKOOL_API_KEY"))   // or opts.token, or get_token()
        opts.api_key = key;
    // opts.base_url = "http://127.0.0.1:8080";            // e.g. akool-emulator's, offline
    akool::client client(ioc, opts);                        // Beast + OpenSSL transport

    auto req = akool::image_request::text_to_image("A lighthouse in a storm");
    req.scale = akool::image_scale::ratio_16_9;
    req.resolution = akool::image_resolution::p1080;
    req.batch_quantity = 2;

    for (const auto& issue : akool::validate(req))         // pure: no I/O, no Asio
        std::cerr << akool::to_string(issue.severity) << ": " << issue.message << "\n";
    std::cout << akool::encode_image_request(req) << "\n";  // the exact body

    akool::generate_options gen;
    gen.output_dir = "out";                                  // atomic files named by task id
    gen.wait.on_progress = [](const akool::progress_event& ev) {
        std::cout << ev.task_id << " " << akool::to_string(ev.status) << "\n";
    };
    akool::error_code ec;
    akool::diagnostics diag;                                 // server msg, code, HTTP status, field
    auto images = client.generate(req, gen, ec, diag);      // create + wait + download
    if (ec) {
        std::cerr << ec.message() << ": " << diag.summary() << "\n";
        return 1;
    }
    for (const auto& img : images) std::cout << img.file_path << "\n";
}
