// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// The client's thread rule (client.hpp): a client and its operations are not thread-safe;
// with several threads running the io_context, give the transport a strand, and every
// operation, timer and handler of the client runs on it. Four threads, one strand, 200
// concurrent generates against the emulator over real sockets. The ThreadSanitizer
// configuration of test/run.sh (cmake-clang-cxx20-tsan-compiled) runs this test too.

#define BOOST_TEST_MODULE client_threads
#include <boost/test/unit_test.hpp>

#include "../../example/emulator/emulator.hpp"

#include <akool/beast_transport.hpp>
#include <akool/client.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace emu = akool_emulator;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_CASE(two_hundred_generates_on_one_strand_with_four_threads)
{
    emu::options eo;
    eo.api_key = "threads-key";
    eo.queue_time = 5ms;
    eo.process_time = 10ms;
    emu::server srv(eo);
    srv.start();

    using strand_type = asio::strand<asio::io_context::executor_type>;
    using transport_type = akool::basic_beast_transport<strand_type>;
    asio::io_context ioc(4);
    strand_type strand = asio::make_strand(ioc.get_executor());
    akool::client_options co;
    co.base_url = srv.base_url();
    co.api_key = "threads-key";
    akool::basic_client<transport_type> client(transport_type(strand), co);

    constexpr int n = 200;
    akool::generate_options g;
    g.wait.schedule = {5ms, 1.0, 5ms, 0.0};
    g.wait.deadline = 60s;
    std::vector<akool::diagnostics> diags(n);
    std::atomic<int> ok{0}, failed{0}, off_strand{0}, progress_off_strand{0};
    g.wait.on_progress = [&](const akool::progress_event&) {
        if (!strand.running_in_this_thread()) ++progress_off_strand;
    };
    auto req = akool::image_request::text_to_image("a lighthouse at dusk");
    for (int i = 0; i < n; ++i)
        client.async_generate(req, g, diags[static_cast<std::size_t>(i)],
                              [&, i](akool::error_code ec, std::vector<akool::generated_image> images) {
                                  if (!strand.running_in_this_thread()) ++off_strand;
                                  if (!ec && images.size() == 1 && !images[0].data.empty())
                                      ++ok;
                                  else {
                                      ++failed;
                                      BOOST_TEST_MESSAGE("generate " << i << ": " << ec.message() << ": "
                                                                     << diags[static_cast<std::size_t>(i)].client_message);
                                  }
                              });
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) threads.emplace_back([&] { ioc.run(); });
    for (auto& t : threads) t.join();

    BOOST_TEST(ok.load() == n);
    BOOST_TEST(failed.load() == 0);
    BOOST_TEST(off_strand.load() == 0, "every completion handler runs on the strand");
    BOOST_TEST(progress_off_strand.load() == 0, "every progress callback runs on the strand");
    auto st = srv.get_stats();
    BOOST_TEST(st.creates_processed == static_cast<std::uint64_t>(n), "no create was sent twice or lost");
    BOOST_TEST(st.images_served == static_cast<std::uint64_t>(n));
}

// The rule's other half: the synchronous forms may be called from any thread, even while the
// client's asynchronous operations run on another. They share the client's limits: here one
// exchange in flight at a time, so that each side's exchanges wait in the gate for the
// other's and are woken from the other thread (the wake-up reaches an asynchronous one on its
// own executor). 40 asynchronous get-results (four chains of 10) on a thread running the
// io_context, 40 blocking ones on this thread at the same time: all complete, none is left
// waiting.
BOOST_AUTO_TEST_CASE(sync_forms_on_another_thread_share_the_in_flight_cap)
{
    emu::options eo;
    eo.api_key = "threads-key";
    emu::server srv(eo);
    srv.start();

    asio::io_context ioc(1);
    akool::client_options co;
    co.base_url = srv.base_url();
    co.api_key = "threads-key";
    akool::basic_client<akool::beast_transport> client(akool::beast_transport(ioc.get_executor()), co);
    client.set_limits({1, 0});
    const auto tasks = client.create(akool::image_request::text_to_image("a lighthouse at dusk"));
    BOOST_TEST_REQUIRE(tasks.size() == 1u);

    constexpr int n = 40;
    std::atomic<int> async_ok{0}, sync_ok{0};
    // Four asynchronous chains started on the io_context's thread, each starting its next
    // get-result from the last one's handler, so that they queue in the gate from there while
    // this thread's blocking get-results queue from here.
    std::function<void(int)> chain = [&](int left) {
        if (left == 0) return;
        client.async_get_result(tasks[0].id, [&, left](akool::error_code ec, akool::image_result r) {
            if (!ec && r.id == tasks[0].id) ++async_ok;
            chain(left - 1);
        });
    };
    asio::post(ioc, [&] {
        for (int c = 0; c < 4; ++c) chain(n / 4);
    });
    std::thread runner([&] { ioc.run(); });
    for (int i = 0; i < n; ++i) {
        akool::error_code ec;
        auto r = client.get_result(tasks[0].id, ec);
        if (!ec && r.id == tasks[0].id) ++sync_ok;
    }
    runner.join();
    BOOST_TEST(async_ok.load() == n);
    BOOST_TEST(sync_ok.load() == n);
    BOOST_TEST(client.exchanges_in_flight() == 0u);
}
