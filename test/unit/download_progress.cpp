// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// Download progress (download_options::on_progress) over the scripted fake transport: one
// event per chunk, bytes received monotonic, the last one equal to the size, the total when
// the transport announced the length (Content-Length) and absent otherwise; async and sync,
// to memory and to a file.
#define BOOST_TEST_MODULE download_progress
#include <boost/test/unit_test.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <akool/client.hpp>
#include <akool/fake_transport.hpp>

#include "temp_dir.hpp"

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace bdata = boost::unit_test::data;
namespace asio = boost::asio;
using fake = akool::basic_fake_transport<asio::io_context::executor_type>;
using test_client = akool::basic_client<fake>;

namespace {

struct event {
    std::uint64_t received;
    std::optional<std::uint64_t> total;
    std::string path;
};

const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(95, 'p');  // 103 bytes

struct fixture {
    asio::io_context ioc;
    fake script{ioc.get_executor()};
    test_client client{script, options()};
    akool::diagnostics diag;
    std::vector<event> events;

    static akool::client_options options()
    {
        akool::client_options o;
        o.base_url = "https://api.example.test";
        o.api_key = "k";
        return o;
    }
    akool::download_options download_options()
    {
        akool::download_options o;
        o.on_progress = [this](const akool::download_progress& p) {
            events.push_back({p.received, p.total, std::string(p.path)});
        };
        return o;
    }
    std::string to_memory(bool async, akool::error_code& ec)
    {
        const std::string url = "https://cdn.example.test/a.png";
        if (!async) return client.download(url, download_options(), ec, diag);
        std::string out;
        client.async_download(url, download_options(), diag, [&](akool::error_code e, std::string b) {
            ec = e;
            out = std::move(b);
        });
        ioc.run();
        return out;
    }
};

// Every event's count is above the previous one's, and the last is the body's size.
void check_monotonic(const std::vector<event>& events, std::uint64_t size)
{
    BOOST_TEST_REQUIRE(!events.empty());
    for (std::size_t i = 1; i < events.size(); ++i) BOOST_TEST(events[i].received > events[i - 1].received);
    BOOST_TEST(events.back().received == size);
}

} // namespace

BOOST_DATA_TEST_CASE(each_chunk_reports_bytes_and_the_announced_total, bdata::make({false, true}), async)
{
    fixture f;
    f.script.set_sink_chunk(10);
    f.script.push_reply(200, png);
    akool::error_code ec;
    std::string bytes = f.to_memory(async, ec);
    BOOST_TEST_REQUIRE(!ec, ec.message());
    BOOST_TEST(bytes == png);
    BOOST_TEST(f.events.size() == 11u);  // 10 chunks of 10 bytes, one of 3
    check_monotonic(f.events, png.size());
    for (const auto& e : f.events) {
        BOOST_TEST_REQUIRE(e.total.has_value());
        BOOST_TEST(*e.total == png.size());
        BOOST_TEST(e.path.empty());  // to memory
    }
}

BOOST_DATA_TEST_CASE(without_a_length_the_total_is_unknown, bdata::make({false, true}), async)
{
    fixture f;
    f.script.set_sink_chunk(40).set_sink_length(false);
    f.script.push_reply(200, png);
    akool::error_code ec;
    f.to_memory(async, ec);
    BOOST_TEST_REQUIRE(!ec, ec.message());
    BOOST_TEST(f.events.size() == 3u);
    check_monotonic(f.events, png.size());
    for (const auto& e : f.events) BOOST_TEST(!e.total.has_value());
}

BOOST_AUTO_TEST_CASE(a_redirect_reports_only_the_body_that_is_kept)
{
    fixture f;
    f.script.set_sink_chunk(50);
    f.script.push_reply(302, "moved", {{"Location", "/b.png"}});
    f.script.push_reply(200, png);
    akool::error_code ec;
    f.to_memory(false, ec);
    BOOST_TEST_REQUIRE(!ec, ec.message());
    BOOST_TEST(f.events.size() == 3u);
    check_monotonic(f.events, png.size());
}

BOOST_AUTO_TEST_CASE(a_refused_body_reports_nothing_past_the_refusal)
{
    fixture f;
    f.script.set_sink_chunk(20);
    f.script.push_reply(200, std::string(100, 't'));  // not an image: refused once 12 bytes are in
    akool::error_code ec;
    f.to_memory(false, ec);
    BOOST_TEST((ec == akool::error::not_an_image));
    BOOST_TEST(f.events.empty());
}

BOOST_DATA_TEST_CASE(a_file_download_names_its_target, bdata::make({false, true}), async)
{
    fixture f;
    f.script.set_sink_chunk(64);
    f.script.push_reply(200, png);
    akool_test::temp_dir dir;
    const std::string path = (std::filesystem::path(dir.path()) / "x.png").string();
    akool::error_code ec;
    std::uint64_t n = 0;
    if (async) {
        f.client.async_download_to_file("https://cdn.example.test/a.png", path, f.download_options(), f.diag,
                                        [&](akool::error_code e, std::uint64_t size) {
                                            ec = e;
                                            n = size;
                                        });
        f.ioc.run();
    } else {
        n = f.client.download_to_file("https://cdn.example.test/a.png", path, f.download_options(), ec, f.diag);
    }
    BOOST_TEST_REQUIRE(!ec, ec.message());
    BOOST_TEST(n == png.size());
    BOOST_TEST(f.events.size() == 2u);
    check_monotonic(f.events, png.size());
    for (const auto& e : f.events) BOOST_TEST(e.path == path);
}
