// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// C++20 coroutines: several prompts generated concurrently on one thread, each image saved
// as it completes. Every generation is its own coroutine; the client keeps at most 8
// exchanges in flight across all of them.
//
// Usage: coroutine_generate PROMPT...   (AKOOL_BASE_URL, AKOOL_API_KEY, AKOOL_CA_FILE)

#include <akool/beast_client.hpp>
#include <akool/beast_transport.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

namespace asio = boost::asio;

asio::awaitable<void> generate_one(akool::client& client, std::string prompt, int& failures)
{
    akool::generate_options gen;
    gen.output_dir = ".";
    gen.wait.on_progress = [prompt](const akool::progress_event& e) {
        std::cout << "[" << prompt << "] " << akool::printable(e.task_id, 64) << " " << akool::to_string(e.status)
                  << "\n";
    };
    akool::diagnostics diag;
    auto [ec, images] = co_await client.async_generate(akool::image_request::text_to_image(prompt), gen, diag,
                                                       asio::as_tuple(asio::use_awaitable));
    if (ec) {
        ++failures;
        std::cerr << "[" << prompt << "] failed: " << ec.message() << " (" << diag.summary() << ")\n";
        co_return;
    }
    for (auto& im : images) std::cout << "[" << prompt << "] saved " << im.file_path << "\n";
}

int main(int argc, char** argv)
{
    if (argc < 2 || !std::getenv("AKOOL_API_KEY")) {
        std::cerr << "usage: AKOOL_API_KEY=... [AKOOL_BASE_URL=...] coroutine_generate PROMPT...\n";
        return 2;
    }
    akool::client_options opts;
    if (const char* base = std::getenv("AKOOL_BASE_URL")) opts.base_url = base;
    opts.api_key = std::getenv("AKOOL_API_KEY");
    akool::beast_transport_options topts;
    if (const char* ca = std::getenv("AKOOL_CA_FILE")) topts.ca_file = ca;

    asio::io_context ioc{1};
    akool::client client(ioc, opts, topts);
    client.set_limits({8, 0});
    int failures = 0;
    for (int i = 1; i < argc; ++i)
        asio::co_spawn(ioc, generate_one(client, argv[i], failures), [&failures](std::exception_ptr e) {
            if (!e) return;
            ++failures;  // e.g. std::bad_alloc: counted, not swallowed as asio::detached would
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                std::cerr << "error: " << x.what() << "\n";
            }
        });
    ioc.run();
    return failures == 0 ? 0 : 1;
}
