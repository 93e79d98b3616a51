// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// coroutine_create (C++20): one coroutine creates a batch of two images, then waits for both
// tasks and prints their URLs. Nothing blocks: the io_context could run other work meanwhile.
// Errors arrive as values through `as_tuple`, with the diagnostics beside them.
//
//   AKOOL_API_KEY=...  ./coroutine_create ["prompt"]
// Optional: AKOOL_BASE_URL (default https://openapi.akool.com, e.g. an akool-emulator URL)
// and AKOOL_CA_FILE (PEM of trusted CAs instead of the system store).

#include <akool/beast_client.hpp>
#include <akool/beast_transport.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace net = boost::asio;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

net::awaitable<int> run(akool::client& client, std::string prompt)
{
    auto req = akool::image_request::text_to_image(std::move(prompt));
    req.scale = akool::image_scale::ratio_1_1;
    req.batch_quantity = 2;

    akool::diagnostics diag;
    auto [ec, tasks] = co_await client.async_create(req, diag, use_tuple);
    if (ec) {
        std::fprintf(stderr, "create failed: %s (%s)\n", ec.message().c_str(), diag.summary().c_str());
        co_return 1;
    }
    for (const akool::image_task& task : tasks) {
        std::printf("task %s created\n", task.id.c_str());
        auto [wec, result] = co_await client.async_wait(task.id, akool::wait_options{}, diag, use_tuple);
        if (wec) {
            std::fprintf(stderr, "task %s: %s (%s)\n", task.id.c_str(), wec.message().c_str(),
                         diag.summary().c_str());
            co_return 1;
        }
        std::printf("%s\n", result.image_url.c_str());
    }
    co_return 0;
}

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

    net::io_context ioc;
    akool::client client(ioc, opts, topts);
    int status = 1;
    net::co_spawn(ioc, run(client, argc > 1 ? argv[1] : "A lighthouse on a cliff in a storm, oil painting"),
                  [&status](std::exception_ptr e, int rc) {
                      if (e) {
                          try {
                              std::rethrow_exception(e);
                          } catch (const std::exception& x) {
                              std::fprintf(stderr, "error: %s\n", x.what());
                          }
                      }
                      status = e ? 1 : rc;  // co_spawn passes rc = 0 with an exception
                  });
    ioc.run();
    return status;
}
