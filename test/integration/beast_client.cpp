// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// akool::client (beast_client.hpp), the non-template client whose operations take any
// completion token through asio::any_completion_handler, against the emulator over real
// sockets: a callback, use_future, deferred (launched after the client is gone), use_awaitable
// (C++20), a handler bound to a strand runs there, per-operation cancellation reaches the
// operation through the erased handler (terminal, partial and total on a wait), the overloads
// without diagnostics, the synchronous and throwing forms, a client on a strand run by 4
// threads, and a move while a wait runs.
// In the compiled-mode configuration of test/run.sh the same file runs against the bodies
// compiled once by <akool/src.hpp>.
#define BOOST_TEST_MODULE beast_client
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "../../example/emulator/emulator.hpp"
#include "cancellation_names.hpp"
#include "temp_dir.hpp"

#include <akool/beast_client.hpp>
#include <akool/beast_transport.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>
#ifdef BOOST_ASIO_HAS_CO_AWAIT
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#endif

#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace asio = boost::asio;
namespace emu = akool_emulator;
namespace fs = std::filesystem;
using ms = std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

namespace {

const std::string png_magic("\x89PNG", 4);

emu::options emulator_options(ms queue)
{
    emu::options o;
    o.api_key = "client-key";
    o.queue_time = queue;
    o.process_time = ms(0);
    return o;
}

struct rig {
    emu::server srv;
    asio::io_context ioc;
    std::optional<akool::client> client;

    explicit rig(ms queue = ms(0)) : srv(emulator_options(queue))
    {
        srv.start();
        client.emplace(ioc, options());
        akool::retry_policy fast;
        fast.initial_backoff = ms(1);
        fast.max_backoff = ms(2);
        client->set_retry_policy(fast);
    }
    akool::client_options options(std::string key = "client-key") const
    {
        akool::client_options o;
        o.base_url = srv.base_url();
        o.api_key = std::move(key);
        return o;
    }
};

// The emulator with an account's client id and secret.
emu::options credentials_emulator_options()
{
    emu::options o = emulator_options(ms(0));
    o.client_id = "renewal-client-id";
    o.client_secret = "renewal-client-secret";
    return o;
}

// Options of a client of `srv` with the account's credentials alone (no key, no token).
akool::client_options credentials_only(const emu::server& srv, const emu::options& o)
{
    akool::client_options opts;
    opts.base_url = srv.base_url();
    opts.credentials = akool::client_credentials{o.client_id, o.client_secret};
    return opts;
}

akool::wait_options fast_wait(ms deadline = ms(20000))
{
    akool::wait_options w;
    w.schedule = {ms(5), 1.0, ms(5), 0.0};
    w.deadline = deadline;
    return w;
}

akool::generate_options fast_generate()
{
    akool::generate_options g;
    g.wait = fast_wait();
    return g;
}

akool::image_request two_images()
{
    auto req = akool::image_request::text_to_image("two lighthouses");
    req.batch_quantity = 2;
    return req;
}

akool::image_request invalid_request()
{
    auto req = akool::image_request::text_to_image("a lighthouse");
    req.batch_quantity = 9;  // 1 to 4
    return req;
}

} // namespace

BOOST_AUTO_TEST_SUITE(beast_client)

BOOST_AUTO_TEST_CASE(a_callback_runs_on_the_clients_executor)
{
    rig r;
    akool::diagnostics diag;
    akool::error_code ec = akool::error::timeout;
    std::vector<akool::image_task> tasks;
    bool on_executor = false;
    r.client->async_create(two_images(), diag, [&](akool::error_code e, std::vector<akool::image_task> t) {
        ec = e;
        tasks = std::move(t);
        on_executor = r.ioc.get_executor().running_in_this_thread();
    });
    r.ioc.run();
    BOOST_TEST(!ec, ec.message() << " " << diag.summary());
    BOOST_TEST(tasks.size() == 2u);
    BOOST_TEST(on_executor);
    BOOST_TEST(r.srv.get_stats().creates_processed == 1u);
}

// API.md: tokens expire (1101) and a client should get a new one and retry once. With
// credentials and neither key nor token, the first request meets 1102 and gets the first token;
// the client keeps it; once it expires, a poll of an async wait meets 1101 and gets another.
BOOST_AUTO_TEST_CASE(with_credentials_the_client_gets_and_renews_its_token)
{
    emu::options o = credentials_emulator_options();
    o.token_ttl = ms(300);
    emu::server srv(o);
    srv.start();
    asio::io_context ioc;
    akool::client client(ioc, credentials_only(srv, o));

    akool::error_code ec;
    akool::diagnostics diag;
    auto tasks = client.create(two_images(), ec, diag);
    BOOST_TEST_REQUIRE(!ec, ec.message() << " " << diag.summary());
    BOOST_TEST_REQUIRE(tasks.size() == 2u);
    BOOST_TEST(srv.get_stats().tokens_issued == 1u);
    BOOST_TEST(srv.get_stats().creates_processed == 1u, "the create refused with 1102 was not processed");
    client.get_result(tasks[0].id, ec, diag);
    BOOST_TEST(!ec, ec.message() << " " << diag.summary());
    BOOST_TEST(srv.get_stats().tokens_issued == 1u, "the kept token serves the next request");

    std::this_thread::sleep_for(ms(400));  // the token expires
    akool::image_result done;
    ec = akool::error::timeout;
    client.async_wait(tasks[1].id, fast_wait(), diag, [&](akool::error_code e, akool::image_result r) {
        ec = e;
        done = std::move(r);
    });
    ioc.run();
    BOOST_TEST(!ec, ec.message() << " " << diag.summary());
    BOOST_TEST((done.status == akool::image_status::completed));
    BOOST_TEST(srv.get_stats().tokens_issued == 2u);
    BOOST_TEST(client.options().token.empty(), "the options stay as given");
}

// Requests refused together (four creates started at once, before the client has a token):
// one of them asks for a token, the others wait for it and send again with it.
BOOST_AUTO_TEST_CASE(requests_refused_together_share_one_token_request)
{
    const emu::options o = credentials_emulator_options();
    emu::server srv(o);
    srv.start();
    asio::io_context ioc;
    akool::client client(ioc, credentials_only(srv, o));
    std::vector<akool::error_code> outcomes;
    std::size_t tasks = 0;
    for (int i = 0; i < 4; ++i)
        client.async_create(two_images(), [&](akool::error_code e, std::vector<akool::image_task> t) {
            outcomes.push_back(e);
            tasks += t.size();
        });
    ioc.run();
    BOOST_TEST_REQUIRE(outcomes.size() == 4u);
    for (auto& e : outcomes) BOOST_TEST(!e, e.message());
    BOOST_TEST(tasks == 8u);
    BOOST_TEST(srv.get_stats().tokens_issued == 1u, "one token for the four");
    BOOST_TEST(srv.get_stats().creates_processed == 4u);
}

BOOST_AUTO_TEST_CASE(with_wrong_credentials_the_failure_to_get_a_token_is_reported)
{
    const emu::options o = credentials_emulator_options();
    emu::server srv(o);
    srv.start();
    asio::io_context ioc;
    akool::client_options opts = credentials_only(srv, o);
    opts.token = "not-a-token-of-the-service";
    opts.credentials->client_secret = "a-wrong-secret";
    akool::client client(ioc, opts);
    akool::error_code ec;
    akool::diagnostics diag;
    auto tasks = client.create(two_images(), ec, diag);
    BOOST_TEST((ec == akool::error::api_invalid_authorization), ec.message());
    BOOST_TEST(tasks.empty());
    BOOST_TEST(diag.client_message.find("getting a new token failed") != std::string::npos, diag.summary());
    BOOST_TEST(diag.summary().find("a-wrong-secret") == std::string::npos, "no secret in a message");
    BOOST_TEST(srv.get_stats().tokens_issued == 0u);
    BOOST_TEST(srv.get_stats().creates_processed == 0u);
}

BOOST_AUTO_TEST_CASE(use_future_with_the_io_context_on_another_thread)
{
    rig r;
    auto guard = asio::make_work_guard(r.ioc);
    std::thread runner([&] { r.ioc.run(); });
    auto tasks = r.client->async_create(two_images(), asio::use_future).get();
    BOOST_REQUIRE(tasks.size() == 2u);
    akool::diagnostics diag;
    auto result = r.client->async_wait(tasks[0].id, fast_wait(), diag, asio::use_future).get();
    BOOST_TEST((result.status == akool::image_status::completed));
    auto bytes = r.client->async_download(result.image_url, {}, diag, asio::use_future).get();
    BOOST_TEST(bytes.substr(0, 4) == png_magic);
    // A failure becomes the future's exception.
    BOOST_CHECK_THROW(r.client->async_create(invalid_request(), asio::use_future).get(), boost::system::system_error);
    guard.reset();
    runner.join();
}

BOOST_AUTO_TEST_CASE(a_deferred_operation_launched_after_the_client_is_gone)
{
    rig r;
    akool::diagnostics diag;
    auto op = r.client->async_get_result("not-a-task", diag, asio::deferred);
    auto req = two_images();
    auto create = r.client->async_create(req, asio::deferred);
    req.prompt = "changed after the operation was made";
    r.client.reset();  // the operations keep the client's state
    akool::error_code ec1, ec2;
    std::vector<akool::image_task> tasks;
    std::move(op)([&](akool::error_code e, akool::image_result) { ec1 = e; });
    std::move(create)([&](akool::error_code e, std::vector<akool::image_task> t) {
        ec2 = e;
        tasks = std::move(t);
    });
    r.ioc.run();
    BOOST_TEST(ec1.failed(), "the emulator knows no task not-a-task");
    BOOST_TEST(!diag.summary().empty());
    BOOST_TEST(!ec2, ec2.message());
    BOOST_REQUIRE(tasks.size() == 2u);
    BOOST_TEST(tasks[0].prompt == "two lighthouses");
}

BOOST_AUTO_TEST_CASE(a_handler_bound_to_a_strand_runs_there)
{
    rig r;
    auto strand = asio::make_strand(r.ioc);
    akool::diagnostics diag;
    bool on_strand = false;
    std::size_t count = 0;
    r.client->async_generate(two_images(), fast_generate(), diag,
                             asio::bind_executor(strand, [&](akool::error_code ec, std::vector<akool::generated_image> v) {
                                 BOOST_TEST(!ec, ec.message() << " " << diag.summary());
                                 on_strand = strand.running_in_this_thread();
                                 count = v.size();
                                 for (auto& g : v) BOOST_TEST(g.data.substr(0, 4) == png_magic);
                             }));
    r.ioc.run();
    BOOST_TEST(on_strand);
    BOOST_TEST(count == 2u);
}

// Every cancellation type a wait accepts reaches it through the erased handler: the wait of
// a task queued for a minute ends at once, not at its 10 s deadline.
BOOST_DATA_TEST_CASE(cancellation_reaches_a_wait,
                     boost::unit_test::data::make({asio::cancellation_type::terminal, asio::cancellation_type::partial,
                                                   asio::cancellation_type::total}),
                     type)
{
    rig r(ms(60000));
    auto tasks = r.client->create(akool::image_request::text_to_image("a slow lighthouse"));
    BOOST_REQUIRE(tasks.size() == 1u);
    asio::cancellation_signal signal;
    akool::diagnostics diag;
    akool::error_code ec;
    bool done = false;
    r.client->async_wait(tasks[0].id, fast_wait(ms(10000)), diag,
                         asio::bind_cancellation_slot(signal.slot(), [&](akool::error_code e, akool::image_result) {
                             ec = e;
                             done = true;
                         }));
    asio::steady_timer t(r.ioc, ms(200));
    steady::time_point emitted;
    t.async_wait([&](akool::error_code) {
        emitted = steady::now();
        signal.emit(type);
    });
    r.ioc.run();
    BOOST_TEST(done);
    BOOST_TEST((ec == asio::error::operation_aborted), ec.message());
    BOOST_TEST(std::chrono::duration_cast<ms>(steady::now() - emitted).count() < 1000);
}

BOOST_AUTO_TEST_CASE(overloads_without_diagnostics_and_validation)
{
    rig r;
    akool::error_code ec1, ec2;
    akool::diagnostics diag;
    r.client->async_create(invalid_request(), [&](akool::error_code e, std::vector<akool::image_task>) { ec1 = e; });
    r.client->async_create(invalid_request(), diag, [&](akool::error_code e, std::vector<akool::image_task>) { ec2 = e; });
    r.ioc.run();
    BOOST_TEST((ec1 == akool::error::validation_failed));
    BOOST_TEST((ec2 == akool::error::validation_failed));
    BOOST_TEST(!diag.issues.empty());
    BOOST_TEST(r.srv.get_stats().requests == 0u, "an invalid request is never sent");

    // The synchronous downloads' forms with an error_code alone.
    akool_test::temp_dir tmp;
    const fs::path dir = tmp.path();
    akool::error_code ec;
    BOOST_TEST(r.client->download("ftp://cdn.example.test/1.png", {}, ec).empty());
    BOOST_TEST((ec == akool::error::invalid_url), ec.message());
    BOOST_TEST(r.client->download_to_file("ftp://cdn.example.test/1.png", (dir / "a.png").string(), {}, ec) == 0u);
    BOOST_TEST((ec == akool::error::invalid_url), ec.message());
    BOOST_TEST(fs::is_empty(dir));
    auto tasks = r.client->create(two_images(), ec);
    BOOST_TEST_REQUIRE(!ec, ec.message());
    const std::string url = r.client->wait(tasks.at(0).id, fast_wait(), ec).image_url;
    BOOST_TEST_REQUIRE(!ec, ec.message());
    const std::string png = r.client->download(url, {}, ec);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(r.client->download_to_file(url, (dir / "a.png").string(), {}, ec) == png.size());
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(fs::file_size(dir / "a.png") == png.size());

    // The asynchronous wait, generate and downloads with a completion token alone.
    akool::error_code wait_ec, gen_ec, bad_gen_ec, dl_ec, file_ec, bad_file_ec;
    akool::image_result waited;
    std::vector<akool::generated_image> images;
    std::string bytes;
    std::uint64_t written = 0;
    r.client->async_wait(tasks.at(1).id, fast_wait(), [&](akool::error_code e, akool::image_result res) {
        wait_ec = e;
        waited = std::move(res);
    });
    r.client->async_generate(two_images(), fast_generate(), [&](akool::error_code e, std::vector<akool::generated_image> v) {
        gen_ec = e;
        images = std::move(v);
    });
    r.client->async_generate(invalid_request(), fast_generate(),
                             [&](akool::error_code e, std::vector<akool::generated_image>) { bad_gen_ec = e; });
    r.client->async_download(url, {}, [&](akool::error_code e, std::string b) {
        dl_ec = e;
        bytes = std::move(b);
    });
    r.client->async_download_to_file(url, (dir / "b.png").string(), {}, [&](akool::error_code e, std::uint64_t n) {
        file_ec = e;
        written = n;
    });
    r.client->async_download_to_file("ftp://cdn.example.test/1.png", (dir / "c.png").string(), {},
                                     [&](akool::error_code e, std::uint64_t) { bad_file_ec = e; });
    r.ioc.restart();
    r.ioc.run();
    BOOST_TEST(!wait_ec, wait_ec.message());
    BOOST_TEST(waited.image_url == r.client->get_result(tasks.at(1).id).image_url);
    BOOST_TEST(!gen_ec, gen_ec.message());
    BOOST_TEST_REQUIRE(images.size() == 2u);
    BOOST_TEST(images[0].data.compare(0, png_magic.size(), png_magic) == 0);
    BOOST_TEST((bad_gen_ec == akool::error::validation_failed), bad_gen_ec.message());
    BOOST_TEST(!dl_ec, dl_ec.message());
    BOOST_TEST(bytes == png);
    BOOST_TEST(!file_ec, file_ec.message());
    BOOST_TEST(written == png.size());
    BOOST_TEST(fs::file_size(dir / "b.png") == png.size());
    BOOST_TEST((bad_file_ec == akool::error::invalid_url), bad_file_ec.message());
    BOOST_TEST(!fs::exists(dir / "c.png"));
}

BOOST_AUTO_TEST_CASE(synchronous_and_throwing_forms)
{
    rig r;
    akool::error_code ec;
    akool::diagnostics diag;
    auto tasks = r.client->create(two_images(), ec, diag);
    BOOST_REQUIRE_MESSAGE(!ec, ec.message() << " " << diag.summary());
    BOOST_REQUIRE(tasks.size() == 2u);
    auto result = r.client->wait(tasks[1].id, fast_wait(), ec, diag);
    BOOST_REQUIRE_MESSAGE(!ec, ec.message());
    BOOST_TEST(r.client->get_result(tasks[1].id).image_url == result.image_url);

    akool_test::temp_dir tmp;
    const fs::path dir = tmp.path();
    auto size = r.client->download_to_file(result.image_url, (dir / "one.png").string(), {}, ec, diag);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(size == fs::file_size(dir / "one.png"));
    akool::generate_options g = fast_generate();
    g.output_dir = dir.string();
    auto images = r.client->generate(two_images(), g);
    BOOST_REQUIRE(images.size() == 2u);
    for (auto& i : images) BOOST_TEST(fs::exists(i.file_path));

    r.client->set_api_key("wrong-key");
    try {
        r.client->create(two_images());
        BOOST_FAIL("a create with a wrong key did not throw");
    } catch (const akool::error_with_diagnostics& e) {
        BOOST_TEST(e.code().failed());
        BOOST_TEST(std::string(e.what()).find("wrong-key") == std::string::npos, "the key is in the message");
    }
    BOOST_TEST(r.client->transport().connections_opened() >= 1u);
}

// The client on a strand, the io_context run by 4 threads: 40 creates at once, every one
// completing on the strand (the ThreadSanitizer configuration checks the rest).
BOOST_AUTO_TEST_CASE(on_a_strand_with_four_threads)
{
    emu::server srv(emulator_options(ms(0)));
    srv.start();
    asio::io_context ioc;
    auto strand = asio::make_strand(ioc);
    akool::client_options o;
    o.base_url = srv.base_url();
    o.api_key = "client-key";
    akool::client client(strand, o);
    std::atomic<int> ok{0}, off_strand{0};
    asio::post(strand, [&] {
        for (int i = 0; i < 40; ++i)
            client.async_create(akool::image_request::text_to_image("lighthouse " + std::to_string(i)),
                                [&](akool::error_code ec, std::vector<akool::image_task> t) {
                                    if (!strand.running_in_this_thread()) ++off_strand;
                                    if (!ec && t.size() == 1u) ++ok;
                                });
    });
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) threads.emplace_back([&] { ioc.run(); });
    for (auto& t : threads) t.join();
    BOOST_TEST(ok.load() == 40);
    BOOST_TEST(off_strand.load() == 0);
    BOOST_TEST(srv.get_stats().creates_processed == 40u);
}

BOOST_AUTO_TEST_CASE(moving_the_client_while_a_wait_runs)
{
    rig r(ms(300));
    auto tasks = r.client->create(akool::image_request::text_to_image("a lighthouse"));
    BOOST_REQUIRE(tasks.size() == 1u);
    akool::diagnostics diag;
    akool::error_code ec = akool::error::timeout;
    akool::image_result result;
    r.client->async_wait(tasks[0].id, fast_wait(), diag, [&](akool::error_code e, akool::image_result res) {
        ec = e;
        result = std::move(res);
    });
    std::optional<akool::client> moved(std::move(*r.client));
    r.client.reset();
    r.ioc.run();
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST((result.status == akool::image_status::completed));
    BOOST_TEST(moved->options().api_key == "client-key");
}

#ifdef BOOST_ASIO_HAS_CO_AWAIT
BOOST_AUTO_TEST_CASE(use_awaitable)
{
    rig r;
    std::size_t saved = 0;
    akool::error_code failure;
    asio::co_spawn(
        r.ioc,
        [&]() -> asio::awaitable<void> {
            akool::diagnostics diag;
            auto images = co_await r.client->async_generate(two_images(), fast_generate(), diag, asio::use_awaitable);
            for (auto& i : images) saved += i.data.substr(0, 4) == png_magic;
            try {
                co_await r.client->async_create(invalid_request(), diag, asio::use_awaitable);
            } catch (const boost::system::system_error& e) {
                failure = e.code();
            }
        },
        asio::detached);
    r.ioc.run();
    BOOST_TEST(saved == 2u);
    BOOST_TEST((failure == akool::error::validation_failed));
}
#endif

BOOST_AUTO_TEST_SUITE_END()
