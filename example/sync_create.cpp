// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// sync_create: the smallest complete program. It asks for one text-to-image generation,
// waits for it synchronously and prints the image's URL.
//
//   AKOOL_API_KEY=...  ./sync_create ["prompt"]
// Optional: AKOOL_BASE_URL (default https://openapi.akool.com, e.g. an akool-emulator URL)
// and AKOOL_CA_FILE (PEM of trusted CAs instead of the system store).

#include <akool/beast_client.hpp>
#include <akool/beast_transport.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv)
{
    const char* key = std::getenv("AKOOL_API_KEY");
    if (!key || !*key) {
        std::fprintf(stderr, "set AKOOL_API_KEY\n");
        return 2;
    }
    akool::client_options opts;
    opts.api_key = key;
    if (const char* base = std::getenv("AKOOL_BASE_URL")) opts.base_url = base;
    akool::beast_transport_options topts;
    if (const char* ca = std::getenv("AKOOL_CA_FILE")) topts.ca_file = ca;

    boost::asio::io_context ioc;
    akool::client client(ioc, opts, topts);  // the synchronous calls never run `ioc`: it gives the executor

    auto req = akool::image_request::text_to_image(
        argc > 1 ? argv[1] : "A majestic mountain landscape at sunset with golden light");
    req.scale = akool::image_scale::ratio_16_9;
    req.resolution = akool::image_resolution::p1080;

    akool::error_code ec;
    akool::diagnostics diag;
    std::vector<akool::image_task> tasks = client.create(req, ec, diag);  // validated before sending
    if (ec) {
        std::fprintf(stderr, "create failed: %s (%s)\n", ec.message().c_str(), diag.summary().c_str());
        return 1;
    }
    std::printf("task %s created\n", tasks.front().id.c_str());

    akool::wait_options wait;
    wait.on_progress = [](const akool::progress_event& e) {
        std::printf("  %s\n", std::string(akool::to_string(e.status)).c_str());
    };
    akool::image_result result = client.wait(tasks.front().id, wait, ec, diag);
    if (ec) {
        std::fprintf(stderr, "wait failed: %s (%s)\n", ec.message().c_str(), diag.summary().c_str());
        return 1;
    }
    std::printf("%s\n", result.image_url.c_str());
    return 0;
}
