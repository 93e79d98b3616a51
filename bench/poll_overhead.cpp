// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// akool-poll-overhead: how late the default poll schedule notices a completion, and how many
// polls it takes. For each job length (5 s, 25 s and 60 s by default, or the seconds given as
// arguments) it starts an emulator (example/emulator, in process, over a real socket) whose
// tasks queue for min(5 s, job / 5) and process for the rest, then runs `generate` (no
// download) with the library's default wait options. The jobs run at the same time, each
// against its own emulator, so the whole run takes as long as the longest job.
//
//   overhead_s = (when generate returned) - (when the task completed on the emulator)
//   polls      = get-result requests the emulator answered
//
// The completion time is taken as the create's start plus the job length: the emulator starts
// the task's clock when it processes the create, a little later, so overhead_s is an upper
// bound (by the create's round trip, well under a millisecond here).
// One line per job: job_s=J overhead_s=X polls=N

#include "emulator.hpp"

#include <akool/akool.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

struct outcome {
    double job_s = 0;
    double overhead_s = 0;
    std::uint64_t polls = 0;
    std::string error;
};

outcome run_job(double job_s)
{
    using namespace std::chrono;
    outcome out;
    out.job_s = job_s;
    const auto job = milliseconds(static_cast<long long>(job_s * 1000));
    akool_emulator::options eo;
    eo.queue_time = std::min(milliseconds(5000), job / 5);
    eo.process_time = job - eo.queue_time;
    eo.webhooks.enabled = false;
    akool_emulator::server emu(eo);
    emu.start();

    boost::asio::io_context ioc;
    akool::client_options co;
    co.base_url = emu.base_url();
    co.api_key = "bench";
    akool::client client(ioc, co);
    akool::generate_options g;  // the default wait options: the schedule under test
    g.download = false;
    auto req = akool::image_request::text_to_image("a lighthouse in a storm");
    req.resolution = akool::image_resolution::p1080;

    akool::error_code ec;
    akool::diagnostics diag;
    const auto start = steady_clock::now();
    client.generate(req, g, ec, diag);
    const auto end = steady_clock::now();
    if (ec) {
        out.error = ec.message() + " " + diag.summary();
        return out;
    }
    out.overhead_s = duration<double>(end - (start + job)).count();
    out.polls = emu.get_stats().requests_on(std::string(akool_emulator::paths::result));
    return out;
}

} // namespace

int main(int argc, char** argv)
{
    std::vector<double> jobs;
    for (int i = 1; i < argc; ++i) jobs.push_back(std::atof(argv[i]));
    if (jobs.empty()) jobs = {5, 25, 60};
    for (double j : jobs)
        if (!(j > 0 && j < 3600)) {
            std::fprintf(stderr, "usage: akool-poll-overhead [JOB_SECONDS...] (each above 0, below 3600)\n");
            return 2;
        }
    std::vector<outcome> results(jobs.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < jobs.size(); ++i)
        threads.emplace_back([&, i] { results[i] = run_job(jobs[i]); });
    for (auto& t : threads) t.join();
    int status = 0;
    for (const auto& r : results) {
        if (!r.error.empty()) {
            std::printf("job_s=%g error=%s\n", r.job_s, r.error.c_str());
            status = 1;
            continue;
        }
        std::printf("job_s=%g overhead_s=%.3f polls=%llu\n", r.job_s, r.overhead_s,
                    static_cast<unsigned long long>(r.polls));
    }
    return status;
}
