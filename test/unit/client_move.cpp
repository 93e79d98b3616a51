// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// Moving (or destroying) a client while its operations run: wait, generate and the downloads
// share the client's state, never the basic_client object, so they finish as if nothing had
// happened. Under AddressSanitizer (cmake-clang-cxx20-asan) a pointer to the old object would
// be a use after free; without it, a null dereference.
#define BOOST_TEST_MODULE client_move
#include <boost/test/unit_test.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <akool/client.hpp>
#include <akool/fake_transport.hpp>

#include "fake_replies.hpp"
#include "temp_dir.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

namespace bdata = boost::unit_test::data;
namespace asio = boost::asio;
namespace fs = std::filesystem;
using fake = akool::basic_fake_transport<asio::io_context::executor_type>;
using test_client = akool::basic_client<fake>;
using ms = std::chrono::milliseconds;
using akool_test::id_of;
using akool_test::ok;

static_assert(std::is_nothrow_move_constructible_v<test_client>);
static_assert(std::is_nothrow_move_assignable_v<test_client>);
static_assert(!std::is_copy_constructible_v<test_client>);

namespace {

const std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDRmoved-client", 27);


// What happens to the client once its operation has started.
enum class fate { moved, move_assigned, destroyed };
const fate fates[] = {fate::moved, fate::move_assigned, fate::destroyed};

std::ostream& operator<<(std::ostream& os, fate f)
{
    return os << (f == fate::moved ? "moved" : f == fate::move_assigned ? "move_assigned" : "destroyed");
}

struct fixture {
    asio::io_context ioc;
    fake script{ioc.get_executor()};
    std::optional<test_client> client;
    std::optional<test_client> other;  // where the client goes
    akool::diagnostics diag;

    fixture()
    {
        akool::client_options o;
        o.base_url = "https://api.example.test";
        o.api_key = "key-abc";
        client.emplace(script, o);
        other.emplace(script, o);
        // Tasks complete on their third poll; images come from the CDN.
        auto polls = std::make_shared<std::map<std::string, int>>();
        script.set_fallback([polls](const akool::http_request& r) {
            if (r.url.find("createBySourcePrompt") != std::string::npos)
                return ok(R"({"code":1000,"msg":"OK","data":[{"_id":"task0","image_status":1},)"
                          R"({"_id":"task1","image_status":1}]})");
            if (r.url.find("infobymodelid") != std::string::npos) {
                int k = ++(*polls)[id_of(r)];
                std::string s = R"({"code":1000,"msg":"OK","data":{"_id":")" + id_of(r) +
                                R"(","image_status":)" + std::to_string(k >= 3 ? 3 : k);
                if (k >= 3) s += R"(,"image":"https://cdn.example.test/)" + id_of(r) + R"(.png")";
                return ok(s + "}}");
            }
            return ok(png);
        });
    }

    akool::wait_options fast_wait() const
    {
        akool::wait_options w;
        w.schedule = {ms(1), 1.0, ms(1), 0.0};
        w.deadline = ms(5000);
        return w;
    }

    // Runs a few handlers (the operation is under way), then does `f` to the client, then
    // runs the rest. The operation must not have finished before the client changes.
    void change_midway(fate f, const bool& finished)
    {
        for (int i = 0; i < 2; ++i) ioc.run_one();
        BOOST_TEST_REQUIRE(!finished, "the operation finished before the client was moved");
        switch (f) {
        case fate::moved: {
            test_client moved(std::move(*client));
            client.reset();
            other.reset();
            ioc.run();
            BOOST_TEST(moved.options().api_key == "key-abc", "the moved-to client keeps the state");
            return;
        }
        case fate::move_assigned:
            *other = std::move(*client);
            client.reset();
            break;
        case fate::destroyed: client.reset(); break;
        }
        ioc.run();
    }
};

} // namespace

BOOST_DATA_TEST_CASE(wait_survives_its_client, bdata::make(fates), f)
{
    fixture fx;
    bool finished = false;
    akool::error_code got;
    akool::image_result result;
    fx.client->async_wait("task7", fx.fast_wait(), fx.diag, [&](akool::error_code ec, akool::image_result r) {
        finished = true;
        got = ec;
        result = std::move(r);
    });
    fx.change_midway(f, finished);
    BOOST_TEST(finished);
    BOOST_TEST(!got, got.message());
    BOOST_TEST((result.status == akool::image_status::completed));
    BOOST_TEST(result.image_url == "https://cdn.example.test/task7.png");
}

BOOST_DATA_TEST_CASE(generate_survives_its_client, bdata::make(fates), f)
{
    fixture fx;
    bool finished = false;
    akool::error_code got;
    std::vector<akool::generated_image> images;
    akool::generate_options g;
    g.wait = fx.fast_wait();
    akool::image_request req;
    req.prompt = "two lighthouses";
    req.batch_quantity = 2;  // the scripted reply lists two tasks
    fx.client->async_generate(req, g, fx.diag, [&](akool::error_code ec, std::vector<akool::generated_image> v) {
        finished = true;
        got = ec;
        images = std::move(v);
    });
    fx.change_midway(f, finished);
    BOOST_TEST(finished);
    BOOST_TEST(!got, got.message() << ": " << fx.diag.client_message);
    BOOST_TEST_REQUIRE(images.size() == 2u);
    for (auto& im : images) {
        BOOST_TEST(!im.ec);
        BOOST_TEST(im.data == png);
    }
}

BOOST_DATA_TEST_CASE(download_survives_its_client, bdata::make(fates), f)
{
    fixture fx;
    bool finished = false;
    akool::error_code got;
    std::string bytes;
    // Two failed attempts first, so that the download spans retries and their backoff.
    fx.script.push_failure(asio::error::connection_reset).push_failure(asio::error::connection_reset);
    akool::retry_policy fast;
    fast.initial_backoff = ms(1);
    fast.max_backoff = ms(2);
    fx.client->set_retry_policy(fast);
    fx.client->async_download("https://cdn.example.test/x.png", {}, fx.diag, [&](akool::error_code ec, std::string b) {
        finished = true;
        got = ec;
        bytes = std::move(b);
    });
    fx.change_midway(f, finished);
    BOOST_TEST(finished);
    BOOST_TEST(!got, got.message());
    BOOST_TEST(bytes == png);
    BOOST_TEST(fx.script.sent().size() == 3u);
}

BOOST_DATA_TEST_CASE(download_to_file_survives_its_client, bdata::make(fates), f)
{
    fixture fx;
    akool_test::temp_dir dir;
    auto path = (fs::path(dir.path()) / "x.png").string();
    bool finished = false;
    akool::error_code got;
    std::uint64_t size = 0;
    fx.script.push_failure(asio::error::connection_reset).push_failure(asio::error::connection_reset);
    akool::retry_policy fast;
    fast.initial_backoff = ms(1);
    fast.max_backoff = ms(2);
    fx.client->set_retry_policy(fast);
    fx.client->async_download_to_file("https://cdn.example.test/x.png", path, {}, fx.diag,
                                      [&](akool::error_code ec, std::uint64_t n) {
                                          finished = true;
                                          got = ec;
                                          size = n;
                                      });
    fx.change_midway(f, finished);
    BOOST_TEST(finished);
    BOOST_TEST(!got, got.message());
    BOOST_TEST(size == png.size());
    std::ifstream in(path, std::ios::binary);
    std::string on_disk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    BOOST_TEST(on_disk == png);
}
