// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// akool-wait-many BASE_URL [N]: creates N tasks (batches of 4), then waits for all N at once
// on one thread, and prints the peak memory of the process. Run it against the emulator with
// timings long enough that every wait is outstanding at the same time, e.g.
//   akool-emulator --queue-ms 2000 --process-ms 2000 &
//   AKOOL_API_KEY=x akool-wait-many http://127.0.0.1:PORT 1000
// Last line: n=N secs=S peak_rss_kib=P baseline_rss_kib=B per_wait_bytes=W

#include <akool/beast_client.hpp>
#include <akool/beast_transport.hpp>

#include <boost/asio/io_context.hpp>

#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

namespace {
long rss_kib(const char* field)  // VmRSS or VmHWM from /proc/self/status
{
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::string(field).size() + 1);
    return -1;
}
} // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::cerr << "usage: akool-wait-many BASE_URL [N]\n";
        return 2;
    }
    const int n = argc > 2 ? std::atoi(argv[2]) : 1000;
    akool::client_options opts;
    opts.base_url = argv[1];
    const char* key = std::getenv("AKOOL_API_KEY");
    opts.api_key = key ? key : "bench";
    akool::beast_transport_options topts;
    if (const char* ca = std::getenv("AKOOL_CA_FILE")) topts.ca_file = ca;

    boost::asio::io_context ioc{1};
    akool::client client(ioc, opts, topts);
    client.set_limits({64, 0});

    std::vector<std::string> ids;
    for (int made = 0; made < n;) {
        auto req = akool::image_request::text_to_image("wait-many prompt " + std::to_string(made));
        req.batch_quantity = std::min(4, n - made);
        akool::error_code ec;
        akool::diagnostics diag;
        auto tasks = client.create(req, ec, diag);
        if (ec) {
            std::cerr << "create failed: " << ec.message() << " " << diag.summary() << "\n";
            return 1;
        }
        for (auto& t : tasks) ids.push_back(t.id);
        made += static_cast<int>(tasks.size());
    }

    long baseline = rss_kib("VmRSS:");
    auto start = std::chrono::steady_clock::now();
    int completed = 0, failed = 0;
    std::vector<akool::diagnostics> diags(ids.size());
    akool::wait_options w;
    w.schedule = {std::chrono::milliseconds(500), 1.5, std::chrono::milliseconds(2000), 0.2};
    for (std::size_t i = 0; i < ids.size(); ++i)
        client.async_wait(ids[i], w, diags[i], [&](akool::error_code ec, akool::image_result) {
            if (ec)
                ++failed;
            else
                ++completed;
        });
    ioc.run();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    long peak = rss_kib("VmHWM:");
    std::cout << "completed=" << completed << " failed=" << failed << "\n";
    std::cout << "n=" << ids.size() << " secs=" << secs << " peak_rss_kib=" << peak << " baseline_rss_kib=" << baseline
              << " per_wait_bytes=" << (peak - baseline) * 1024 / static_cast<long>(ids.size()) << "\n";
    return failed == 0 ? 0 : 1;
}
