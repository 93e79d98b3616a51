// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// Chaos runs against the emulator over real sockets: hundreds of concurrent generations
// through injected 429s, 5xx, dropped connections and malformed replies. Every generation
// must finish with its image downloaded, and the emulator's own counts must show that no
// create was processed twice.
#define BOOST_TEST_MODULE chaos
#include <boost/test/unit_test.hpp>

#include <akool/beast_client.hpp>
#include <akool/beast_transport.hpp>

#include "../../example/emulator/emulator.hpp"

#include <boost/asio/io_context.hpp>

#include <string>
#include <vector>

namespace asio = boost::asio;
using ms = std::chrono::milliseconds;
using akool_emulator::fault_plan;

namespace {

akool_emulator::options emulator_options()
{
    akool_emulator::options o;
    o.queue_time = ms(5);
    o.process_time = ms(10);
    o.image_scale_down = 40;  // tiny PNGs: this test is about the protocol, not bandwidth
    o.seed = 20261124;
    return o;
}

struct outcome {
    akool::error_code ec;
    akool::diagnostics diag;
    std::vector<akool::generated_image> images;
    bool done = false;
};

// Runs `n` concurrent generations with distinct prompts on one thread.
std::vector<outcome> generate_many(const std::string& base_url, int n, int batch, const akool::retry_policy& retry)
{
    asio::io_context ioc{1};
    akool::client_options o;
    o.base_url = base_url;
    o.api_key = "chaos";
    akool::beast_transport_options t;
    t.request_timeout = ms(5000);
    akool::client client(ioc, o, t);
    client.set_retry_policy(retry);
    client.set_limits({32, 0});
    client.seed_jitter(7);

    std::vector<outcome> out(static_cast<std::size_t>(n));
    akool::generate_options g;
    g.wait.schedule = {ms(5), 1.5, ms(40), 0.2};
    g.wait.deadline = ms(60000);
    for (int i = 0; i < n; ++i) {
        auto req = akool::image_request::text_to_image("chaos prompt number " + std::to_string(i));
        req.batch_quantity = batch;
        auto& slot = out[static_cast<std::size_t>(i)];
        client.async_generate(req, g, slot.diag,
                              [&slot](akool::error_code ec, std::vector<akool::generated_image> images) {
                                  slot.ec = ec;
                                  slot.images = std::move(images);
                                  slot.done = true;
                              });
    }
    ioc.run();
    return out;
}

akool::retry_policy patient_retries()
{
    akool::retry_policy p;
    p.max_retries = 12;
    p.initial_backoff = ms(5);
    p.max_backoff = ms(100);
    return p;
}

} // namespace

BOOST_AUTO_TEST_CASE(two_hundred_generations_through_twenty_percent_faults)
{
    akool_emulator::server emu(emulator_options());
    emu.start();
    // Reads (polls) get every kind of fault; creates get the kinds that a create survives
    // without a double charge: 429 and 503 mean "not processed".
    fault_plan reads;
    reads.http_429_rate = 0.05;
    reads.http_5xx_rate = 0.06;
    reads.drop_before_rate = 0.04;
    reads.drop_after_rate = 0.03;
    reads.malformed_json_rate = 0.02;
    reads.retry_after = std::chrono::seconds(0);
    emu.set_faults(reads);
    fault_plan creates;
    creates.http_429_rate = 0.2;
    creates.retry_after = std::chrono::seconds(0);
    emu.set_create_faults(creates);

    const int n = 200;
    auto out = generate_many(emu.base_url(), n, 1, patient_retries());
    auto stats = emu.get_stats();

    int ok = 0;
    for (auto& o : out) {
        BOOST_TEST(o.done);
        if (!o.ec && o.images.size() == 1 && akool::image_extension(o.images[0].data) == ".png")
            ++ok;
        else
            BOOST_TEST_MESSAGE("failed: " << o.ec.message() << " " << o.diag.summary());
    }
    std::uint64_t injected = 0, api_requests = 0;
    for (auto& f : stats.faults_injected) injected += f.second;
    for (auto& r : stats.requests_by_path)
        if (r.first.rfind("/api/", 0) == 0) api_requests += r.second;
    BOOST_TEST_MESSAGE("API requests " << api_requests << ", faults injected " << injected << " ("
                                       << (100.0 * double(injected) / double(api_requests)) << "%)");
    BOOST_TEST(ok == n, "every generation finished with its image downloaded");
    BOOST_TEST(stats.creates_processed == std::uint64_t(n), "exactly one create processed per generation");
    BOOST_TEST(stats.max_creates_per_body() == 1u, "no create was processed twice");
    BOOST_TEST(injected * 100 >= api_requests * 15, "about 20% of the API requests were faulted");
    BOOST_TEST(stats.faults(akool_emulator::fault_kind::http_429) > 0u);
    BOOST_TEST(stats.faults(akool_emulator::fault_kind::drop_after) > 0u);
    BOOST_TEST(stats.faults(akool_emulator::fault_kind::malformed_json) > 0u);
}

BOOST_AUTO_TEST_CASE(ambiguous_create_failures_are_reported_never_repeated)
{
    akool_emulator::server emu(emulator_options());
    emu.start();
    // Creates now also get faults after which the service may have processed them.
    fault_plan creates;
    creates.http_429_rate = 0.1;
    creates.http_5xx_rate = 0.15;
    creates.drop_before_rate = 0.1;
    creates.drop_after_rate = 0.1;
    creates.retry_after = std::chrono::seconds(0);
    emu.set_create_faults(creates);

    const int n = 80;
    auto out = generate_many(emu.base_url(), n, 2, patient_retries());
    auto stats = emu.get_stats();

    int ok = 0, ambiguous = 0;
    for (auto& o : out) {
        BOOST_TEST(o.done);
        if (!o.ec) {
            ++ok;
            BOOST_TEST(o.images.size() == 2u);
            continue;
        }
        bool reported = o.ec == akool::error::outcome_unknown ||
                        (o.ec == akool::error::http_status && (o.diag.http_status == 500 || o.diag.http_status == 502));
        BOOST_TEST(reported, o.ec.message() << " " << o.diag.summary());
        ++ambiguous;
    }
    BOOST_TEST_MESSAGE("ok " << ok << ", reported as ambiguous " << ambiguous << ", creates processed "
                             << stats.creates_processed);
    BOOST_TEST(ambiguous > 0, "the run did hit ambiguous faults");
    BOOST_TEST(ok > 0);
    BOOST_TEST(stats.max_creates_per_body() == 1u, "no create was processed twice");
    BOOST_TEST(stats.creates_processed <= std::uint64_t(n));
    BOOST_TEST(stats.creates_processed >= std::uint64_t(ok));
}
