// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// curl_transport: the client over libcurl (the transport is in curl_transport.hpp, beside this
// file: copy both). `create` makes one text-to-image task synchronously (a curl easy handle on
// this thread); the default, `generate`, creates, waits and downloads the images
// asynchronously (curl's multi-socket API on the io_context, no thread), cancelled (terminal)
// when it takes longer than `seconds` (default 120).
//
//   AKOOL_API_KEY=... ./curl_transport base_url [generate|create] ["prompt"] [seconds]
// base_url: https://openapi.akool.com, or an akool-emulator URL. AKOOL_CA_FILE names a PEM
// file of trusted CAs instead of the system's.

#include "curl_transport.hpp"

#include <akool/client.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv)
{
    namespace net = boost::asio;
    const char* key = std::getenv("AKOOL_API_KEY");
    if (!key || !*key || argc < 2) return std::fprintf(stderr, "usage: AKOOL_API_KEY=... curl_transport base_url "
                                                               "[generate|create] [prompt] [seconds]\n"), 2;
    akool::client_options opts;
    opts.api_key = key;
    opts.base_url = argv[1];
    const std::string mode = argc > 2 ? argv[2] : "generate";
    auto req = akool::image_request::text_to_image(argc > 3 ? argv[3] : "A lighthouse on a cliff at dawn");
    akool_example::curl_transport_options topts;
    if (const char* ca = std::getenv("AKOOL_CA_FILE")) topts.ca_file = ca;

    net::io_context ioc;
    akool::basic_client<akool_example::curl_transport> client(akool_example::curl_transport(ioc.get_executor(), topts),
                                                             opts);
    akool::error_code ec;
    akool::diagnostics diag;
    if (mode == "create") {  // synchronous: the blocking send, on this thread
        std::vector<akool::image_task> tasks = client.create(req, ec, diag);
        if (ec) return std::fprintf(stderr, "create failed: %s (%s)\n", ec.message().c_str(), diag.summary().c_str()), 1;
        for (const auto& t : tasks) std::printf("task %s created\n", t.id.c_str());
        return 0;
    }

    // Asynchronous generate, cancelled (terminal) when the deadline passes first.
    net::cancellation_signal cancel;
    net::steady_timer deadline(ioc, std::chrono::seconds(argc > 4 ? std::atoi(argv[4]) : 120));
    deadline.async_wait([&](akool::error_code e) {
        if (!e) cancel.emit(net::cancellation_type::terminal);
    });
    std::vector<akool::generated_image> images;
    client.async_generate(req, {}, diag,
                          net::bind_cancellation_slot(cancel.slot(), [&](akool::error_code e, auto result) {
                              ec = e;
                              images = std::move(result);
                              deadline.cancel();
                          }));
    ioc.run();
    if (ec) return std::fprintf(stderr, "generate failed: %s (%s)\n", ec.message().c_str(), diag.summary().c_str()), 1;
    for (const auto& im : images)
        std::printf("task %s: %s, %zu bytes\n", im.task.id.c_str(), im.result.image_url.c_str(), im.data.size());
    return 0;
}
