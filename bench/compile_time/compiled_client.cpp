// Compile-time TU (bench/compile-time.sh): akool::client in the compiled mode
// (AKOOL_SEPARATE_COMPILATION: its bodies are compiled once by <akool/src.hpp> elsewhere), as an
// engine's TU that drives the service from its own io_context would use it: one create with a
// callback and one generate with use_awaitable (C++20, so the script compiles this TU with
// -std=c++20).
#include <akool/beast_client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdlib>
#include <iostream>

namespace asio = boost::asio;

asio::awaitable<void> generate(akool::client& client)
{
    auto req = akool::image_request::text_to_image("A lighthouse in a storm");
    req.batch_quantity = 2;
    akool::generate_options gen;
    gen.output_dir = "out";
    akool::diagnostics diag;
    try {
        auto images = co_await client.async_generate(req, gen, diag, asio::use_awaitable);
        for (const auto& img : images) std::cout << img.file_path << "\n";
    } catch (const boost::system::system_error& e) {
        std::cerr << e.code().message() << ": " << diag.summary() << "\n";
    }
}

int main()
{
    asio::io_context ioc;
    akool::client_options opts;
    if (const char* key = std::getenv("AKOOL_API_KEY")) opts.api_key = key;
    akool::client client(ioc, opts);

    akool::diagnostics diag;
    client.async_create(akool::image_request::text_to_image("A lighthouse"), diag,
                        [&](akool::error_code ec, std::vector<akool::image_task> tasks) {
                            if (ec) std::cerr << ec.message() << ": " << diag.summary() << "\n";
                            for (const auto& t : tasks) std::cout << t.id << "\n";
                        });
    asio::co_spawn(ioc, generate(client), asio::detached);
    ioc.run();
}
