// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// Webhook callbacks end to end, in-process: a create through akool::client with `webhookurl`
// makes the emulator POST signed, encrypted callbacks (webhook_sender.hpp) to the example
// receiver (webhook_receiver.hpp), which verifies them with the library. Order and content of
// the callbacks, the result URL matching get_result, retries on non-200 answers with backoff,
// bounded attempts, rejection with wrong credentials, stop cancelling pending sends, the
// receiver's handling of a callback delivered twice, and delivery over https (the sender
// verifies the receiver's certificate).

#define BOOST_TEST_MODULE webhook_e2e
#include <boost/test/unit_test.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/data/monomorphic.hpp>

#include "../../example/emulator/emulator.hpp"
#include "../../example/emulator/webhook_sender.hpp"
#include "../../example/webhook_receiver.hpp"
#include "../common/http_test_client.hpp"
#include "../common/localhost.hpp"
#include "../common/mini_server.hpp"
#include "../common/test_certs.hpp"

#include <akool/akool.hpp>
#include <akool/detail/url.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/buffers_iterator.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

namespace emu = akool_emulator;
namespace rcv = akool_receiver;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

const std::string api_key = "e2e-api-key-77";
const std::string client_id = "E2eClientId00016";          // 16 characters: the AES IV
const std::string client_secret = "E2eClientSecret000000024";  // 24 characters: the AES-192 key

std::string name(akool::image_status s) { return std::string(akool::to_string(s)); }

struct call {
    akool::webhook_payload payload;
    steady::time_point at;
};

/// Everything the receiver saw, with a way to wait for it.
struct recorder {
    std::mutex m;
    std::condition_variable cv;
    std::vector<call> calls;
    std::vector<akool::error_code> rejections;
    std::vector<std::string> rejection_details;  // each one's diagnostics' client_message
    std::vector<boost::beast::http::status> answers;  // what to answer, in order; then 200

    /// The first `n` valid callbacks get `st`, the later ones 200.
    void answer_first(std::size_t n, boost::beast::http::status st)
    {
        std::lock_guard<std::mutex> lock(m);
        answers.assign(n, st);
    }

    rcv::callback_handler callback()
    {
        return [this](const akool::webhook_payload& p) {
            std::lock_guard<std::mutex> lock(m);
            auto st = calls.size() < answers.size() ? answers[calls.size()] : boost::beast::http::status::ok;
            calls.push_back({p, steady::now()});
            cv.notify_all();
            return st;
        };
    }

    rcv::rejected_handler rejected()
    {
        return [this](const akool::error_code& ec, const akool::diagnostics& diag) {
            std::lock_guard<std::mutex> lock(m);
            rejections.push_back(ec);
            rejection_details.push_back(diag.client_message);
            cv.notify_all();
        };
    }

    /// Waits (bounded) until `n` callbacks and `r` rejections have arrived.
    bool wait_for(std::size_t n, std::size_t r = 0, std::chrono::seconds limit = 20s)
    {
        std::unique_lock<std::mutex> lock(m);
        return cv.wait_for(lock, limit, [&] { return calls.size() >= n && rejections.size() >= r; });
    }

    std::vector<call> snapshot()
    {
        std::lock_guard<std::mutex> lock(m);
        return calls;
    }
};

emu::options emulator_options()
{
    emu::options o;
    o.api_key = api_key;
    o.client_id = client_id;
    o.client_secret = client_secret;
    o.queue_time = 100ms;
    o.process_time = 200ms;
    o.seed = 7;
    o.webhooks.first_backoff = 50ms;
    o.webhooks.max_backoff = 1s;
    o.webhooks.timeout = 5s;
    return o;
}

rcv::options receiver_options(recorder& rec, akool::client_credentials creds = {client_id, client_secret})
{
    rcv::options o;
    o.path = "/akool/hook";
    o.creds = std::move(creds);
    o.on_callback = rec.callback();
    o.on_rejected = rec.rejected();
    return o;
}

/// Polls the emulator's counters until `pred` holds (bounded); the counters have no event.
template <class Pred>
emu::stats stats_when(emu::server& srv, Pred pred, std::chrono::seconds limit = 20s)
{
    auto deadline = steady::now() + limit;
    emu::stats s = srv.get_stats();
    while (!pred(s) && steady::now() < deadline) {
        std::this_thread::sleep_for(5ms);
        s = srv.get_stats();
    }
    return s;
}

struct fixture {
    recorder rec;
    emu::server emulator;
    rcv::server receiver;
    boost::asio::io_context ioc;
    std::unique_ptr<akool::client> client;

    explicit fixture(emu::options eo = emulator_options(), std::optional<akool::client_credentials> creds = {})
        : emulator(std::move(eo)),
          receiver(creds ? receiver_options(rec, *creds) : receiver_options(rec))
    {
        emulator.start();
        receiver.start();
        akool::client_options co;
        co.base_url = emulator.base_url();
        co.api_key = api_key;
        client = std::make_unique<akool::client>(ioc, co);
    }

    /// Creates one image with `webhookurl` = the receiver, through the library.
    std::string create(const std::string& prompt = "a lighthouse at dusk")
    {
        auto req = akool::image_request::text_to_image(prompt);
        req.resolution = akool::image_resolution::p1080;
        req.webhook_url = receiver.url();
        akool::error_code ec;
        akool::diagnostics diag;
        auto tasks = client->create(req, ec, diag);
        BOOST_TEST_REQUIRE(!ec, ec.message() << " " << diag.summary());
        BOOST_TEST_REQUIRE(tasks.size() == 1u);
        return tasks[0].id;
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(webhook_e2e)

BOOST_AUTO_TEST_CASE(receiver_sees_processing_then_completed_with_the_result_url)
{
    fixture f;
    BOOST_TEST(f.receiver.url().find("/akool/hook") != std::string::npos);
    const std::string id = f.create();
    BOOST_TEST_REQUIRE(f.rec.wait_for(2), "two callbacks did not arrive in time");

    akool::error_code ec;
    akool::diagnostics diag;
    akool::wait_options wo;
    wo.deadline = 20s;
    akool::image_result r = f.client->wait(id, wo, ec, diag);
    BOOST_TEST_REQUIRE(!ec, ec.message());
    BOOST_TEST_REQUIRE(name(r.status) == "completed");
    akool::image_result again = f.client->get_result(id, ec);
    BOOST_TEST_REQUIRE(!ec, ec.message());

    auto calls = f.rec.snapshot();
    BOOST_TEST_REQUIRE(calls.size() == 2u);
    BOOST_TEST(calls[0].payload.id == id);
    BOOST_TEST(name(calls[0].payload.status) == "processing");
    BOOST_TEST(calls[0].payload.url.empty());
    BOOST_TEST(calls[0].payload.type == "image");
    BOOST_TEST(calls[1].payload.id == id);
    BOOST_TEST(name(calls[1].payload.status) == "completed");
    BOOST_TEST(!calls[1].payload.url.empty());
    BOOST_TEST(calls[1].payload.url == r.image_url);
    BOOST_TEST(calls[1].payload.url == again.image_url);

    // The URL in the callback serves the image.
    std::string png = f.client->download(calls[1].payload.url, {}, ec, diag);
    BOOST_TEST_REQUIRE(!ec, ec.message());
    BOOST_TEST(png.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);

    auto s = stats_when(f.emulator, [](const emu::stats& st) { return st.webhooks_sent >= 2; });
    BOOST_TEST(s.webhooks_sent == 2u);
    BOOST_TEST(s.webhooks_failed == 0u);
    auto c = f.receiver.get_counters();
    BOOST_TEST(c.accepted == 2u);
    BOOST_TEST(c.rejected == 0u);
    BOOST_TEST(f.emulator.stats_json().find("\"webhooks_sent\":2") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(failed_generation_sends_failed_without_url)
{
    fixture f;
    f.emulator.fail_next(emu::fault_kind::fail_generation);
    const std::string id = f.create("doomed");
    BOOST_TEST_REQUIRE(f.rec.wait_for(2));
    auto calls = f.rec.snapshot();
    BOOST_TEST_REQUIRE(calls.size() == 2u);
    BOOST_TEST(name(calls[0].payload.status) == "processing");
    BOOST_TEST(calls[1].payload.id == id);
    BOOST_TEST(name(calls[1].payload.status) == "failed");
    BOOST_TEST(calls[1].payload.url.empty());
}

BOOST_AUTO_TEST_CASE(answers_500_twice_then_200_get_the_callback_retried_in_order)
{
    fixture f;
    f.rec.answer_first(2, boost::beast::http::status::internal_server_error);
    const std::string id = f.create();
    // processing: 500, 500, 200; completed: 200. Never completed before processing is delivered.
    BOOST_TEST_REQUIRE(f.rec.wait_for(4), "the retried callbacks did not arrive in time");
    auto calls = f.rec.snapshot();
    BOOST_TEST_REQUIRE(calls.size() == 4u);
    for (int i = 0; i < 3; ++i) {
        BOOST_TEST(calls[i].payload.id == id);
        BOOST_TEST(name(calls[i].payload.status) == "processing");
    }
    BOOST_TEST(name(calls[3].payload.status) == "completed");
    // Backoff: 50 ms after the first failure, 100 ms after the second (a timer never fires early).
    BOOST_TEST((calls[1].at - calls[0].at >= 50ms));
    BOOST_TEST((calls[2].at - calls[1].at >= 100ms));

    auto s = stats_when(f.emulator, [](const emu::stats& st) { return st.webhooks_sent >= 2; });
    BOOST_TEST(s.webhooks_sent == 2u);
    BOOST_TEST(s.webhooks_failed == 0u);
    BOOST_TEST(f.receiver.get_counters().accepted == 4u);
}

BOOST_AUTO_TEST_CASE(attempts_are_bounded)
{
    auto eo = emulator_options();
    eo.webhooks.max_attempts = 3;
    eo.webhooks.first_backoff = 10ms;
    fixture f(eo);
    f.rec.answer_first(100, boost::beast::http::status::service_unavailable);
    f.create();
    auto s = stats_when(f.emulator, [](const emu::stats& st) { return st.webhooks_failed >= 2; });
    BOOST_TEST(s.webhooks_failed == 2u);
    BOOST_TEST(s.webhooks_sent == 0u);
    auto calls = f.rec.snapshot();
    BOOST_TEST_REQUIRE(calls.size() == 6u);  // 3 per status change, no more
    for (std::size_t i = 0; i < 6; ++i)
        BOOST_TEST(name(calls[i].payload.status) == (i < 3 ? "processing" : "completed"));
}

BOOST_AUTO_TEST_CASE(unreachable_receiver_counts_as_failed)
{
    auto eo = emulator_options();
    eo.webhooks.max_attempts = 2;
    eo.webhooks.first_backoff = 10ms;
    fixture f(eo);
    // A port that was just free: nothing listens there.
    std::string dead;
    {
        recorder r2;
        rcv::server tmp(receiver_options(r2));
        tmp.start();
        dead = tmp.url();
    }
    auto req = akool::image_request::text_to_image("nobody home");
    req.webhook_url = dead;
    akool::error_code ec;
    f.client->create(req, ec);
    BOOST_TEST_REQUIRE(!ec, ec.message());
    auto s = stats_when(f.emulator, [](const emu::stats& st) { return st.webhooks_failed >= 2; });
    BOOST_TEST(s.webhooks_failed == 2u);
    BOOST_TEST(s.webhooks_sent == 0u);
}

BOOST_AUTO_TEST_CASE(wrong_client_id_on_the_receiver_is_rejected_with_bad_signature)
{
    auto eo = emulator_options();
    eo.webhooks.max_attempts = 2;
    eo.webhooks.first_backoff = 10ms;
    fixture f(eo, akool::client_credentials{"OtherClientId016", client_secret});
    f.create();
    BOOST_TEST_REQUIRE(f.rec.wait_for(0, 4), "the rejected attempts did not arrive in time");
    {
        std::lock_guard<std::mutex> lock(f.rec.m);
        BOOST_TEST(f.rec.calls.empty());
        BOOST_TEST_REQUIRE(f.rec.rejections.size() == 4u);  // 2 attempts x 2 status changes
        for (const auto& ec : f.rec.rejections)
            BOOST_TEST((ec == akool::make_error_code(akool::error::webhook_bad_signature)), ec.message());
        for (const auto& d : f.rec.rejection_details)  // the handler gets the check that failed
            BOOST_TEST(d.find("signature: does not match") == 0u, d);
    }
    auto s = stats_when(f.emulator, [](const emu::stats& st) { return st.webhooks_failed >= 2; });
    BOOST_TEST(s.webhooks_failed == 2u);  // 401 is not 200: the emulator gave up
    BOOST_TEST(s.webhooks_sent == 0u);
    auto c = f.receiver.get_counters();
    BOOST_TEST(c.rejected == 4u);
    BOOST_TEST(c.accepted == 0u);
}

BOOST_AUTO_TEST_CASE(wrong_secret_on_the_receiver_fails_decryption)
{
    // The signature involves only the client id: a wrong secret is caught by the decryption.
    auto eo = emulator_options();
    eo.webhooks.max_attempts = 1;
    fixture f(eo, akool::client_credentials{client_id, "WrongSecret0000000000024"});
    f.create();
    BOOST_TEST_REQUIRE(f.rec.wait_for(0, 2));
    std::lock_guard<std::mutex> lock(f.rec.m);
    BOOST_TEST(f.rec.calls.empty());
    for (const auto& ec : f.rec.rejections)
        BOOST_TEST((ec == akool::make_error_code(akool::error::webhook_decrypt_failed) ||
                    ec == akool::make_error_code(akool::error::webhook_bad_json)),
                   ec.message());
}

BOOST_AUTO_TEST_CASE(default_credentials_when_none_are_configured)
{
    auto eo = emulator_options();
    eo.client_id.clear();
    eo.client_secret.clear();
    fixture f(eo, akool::client_credentials{std::string(emu::default_webhook_client_id),
                                            std::string(emu::default_webhook_client_secret)});
    BOOST_TEST(emu::default_webhook_client_id.size() == 16u);
    BOOST_TEST(emu::default_webhook_client_secret.size() == 24u);
    f.create();
    BOOST_TEST_REQUIRE(f.rec.wait_for(2));
    BOOST_TEST(f.receiver.get_counters().rejected == 0u);
}

// AES-128 and AES-256: a secret of 16 or 32 bytes, end to end through the emulator.
BOOST_DATA_TEST_CASE(secrets_of_16_and_32_bytes_deliver, boost::unit_test::data::make({16, 32}), secret_len)
{
    const std::string secret = std::string(static_cast<std::size_t>(secret_len) - 6, 'k') + "Secret";
    auto eo = emulator_options();
    eo.client_id = client_id;
    eo.client_secret = secret;
    fixture f(eo, akool::client_credentials{client_id, secret});
    std::string id = f.create();
    BOOST_TEST_REQUIRE(f.rec.wait_for(2), "the callbacks did not arrive in time");
    auto calls = f.rec.snapshot();
    BOOST_TEST(calls.at(0).payload.id == id);
    BOOST_TEST(f.receiver.get_counters().rejected == 0u);
}

// Akool's pages show a 22-character client id and a 32-character secret. The emulator signs
// with them; the receiver checks the signature (any id length), then refuses the sizes.
BOOST_AUTO_TEST_CASE(client_id_of_22_bytes_is_signed_then_refused_by_size)
{
    const akool::client_credentials creds{"AKDt8rWEczpYPzCGur2xE0", "nmwUjMAK0PJpl0MOiXLOOOwZADm0gkLo"};
    BOOST_TEST_REQUIRE(creds.client_id.size() == 22u);
    auto eo = emulator_options();
    eo.client_id = creds.client_id;
    eo.client_secret = creds.client_secret;
    eo.webhooks.max_attempts = 1;
    {
        fixture f(eo, creds);
        f.create();
        BOOST_TEST_REQUIRE(f.rec.wait_for(0, 2), "the callbacks did not arrive in time");
        std::lock_guard<std::mutex> lock(f.rec.m);
        BOOST_TEST(f.rec.calls.empty());
        for (const auto& ec : f.rec.rejections)
            BOOST_TEST((ec == akool::make_error_code(akool::error::webhook_bad_credentials)), ec.message());
    }
    {
        // Another id of the same length: the signature verdict comes first.
        fixture f(eo, akool::client_credentials{"AKDt8rWEczpYPzCGur2xE1", creds.client_secret});
        f.create();
        BOOST_TEST_REQUIRE(f.rec.wait_for(0, 2), "the callbacks did not arrive in time");
        std::lock_guard<std::mutex> lock(f.rec.m);
        for (const auto& ec : f.rec.rejections)
            BOOST_TEST((ec == akool::make_error_code(akool::error::webhook_bad_signature)), ec.message());
    }
}

BOOST_AUTO_TEST_CASE(stop_cancels_pending_sends)
{
    auto eo = emulator_options();
    eo.queue_time = 0ms;
    eo.process_time = 0ms;
    eo.webhooks.first_backoff = 30s;  // after the first 500, the delivery waits on its backoff
    eo.webhooks.max_backoff = 30s;
    fixture f(eo);
    f.rec.answer_first(10, boost::beast::http::status::internal_server_error);
    f.create();
    BOOST_TEST_REQUIRE(f.rec.wait_for(1));
    auto t0 = steady::now();
    f.emulator.stop();
    BOOST_TEST((steady::now() - t0 < 5s), "stop waited for the backoff");
    auto s = f.emulator.get_stats();
    BOOST_TEST(s.webhooks_failed == 0u);  // cancelled, not failed
    BOOST_TEST(s.webhooks_sent == 0u);
    BOOST_TEST(f.rec.snapshot().size() == 1u);
}

BOOST_AUTO_TEST_CASE(sending_can_be_turned_off)
{
    auto eo = emulator_options();
    eo.webhooks.enabled = false;
    eo.queue_time = 0ms;
    eo.process_time = 300ms;  // a processing callback, if one were sent, would arrive meanwhile
    fixture f(eo);
    std::mutex m;
    std::condition_variable cv;
    int changes = 0;
    f.emulator.set_webhook_handler([&](const std::string&, akool::image_status, const std::string&, const std::string&) {
        std::lock_guard<std::mutex> lock(m);
        ++changes;
        cv.notify_all();
    });
    f.create();
    {
        std::unique_lock<std::mutex> lock(m);
        BOOST_TEST_REQUIRE(cv.wait_for(lock, 20s, [&] { return changes >= 2; }));
    }
    f.emulator.stop();
    BOOST_TEST(f.receiver.get_counters().requests == 0u);
    BOOST_TEST(f.emulator.get_stats().webhooks_failed == 0u);
}

/// A callback body signed now, as the service sends it.
std::string fresh_body(const std::string& id, akool::image_status status, const std::string& nonce)
{
    const std::int64_t now =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    akool::webhook_payload p;
    p.id = id;
    p.status = status;
    p.url = status == akool::image_status::completed ? "https://cdn.example.com/" + id + ".png" : "";
    return akool::make_webhook_body(p, {client_id, client_secret}, now, nonce);
}

/// `http://host:port` of the receiver's URL.
std::string origin_of(const rcv::server& receiver) { return receiver.url().substr(0, receiver.url().find('/', 7)); }

// The receiver's address, to connect a raw socket to.
boost::asio::ip::tcp::endpoint endpoint_of(const rcv::server& receiver)
{
    akool::detail::url_parts url;
    BOOST_TEST_REQUIRE(akool::detail::parse_http_url(receiver.url(), url));
    return {boost::asio::ip::make_address(url.host), url.port};
}

BOOST_AUTO_TEST_CASE(receiver_handles_a_callback_delivered_twice_once)
{
    // The same signed body POSTed again (a replay, or a resend of an identical body) is answered
    // 200 and not handed to the handler again; one the handler did not answer 200 is forgotten,
    // so that its resend is handled.
    recorder rec;
    rec.answer_first(1, boost::beast::http::status::internal_server_error);
    rcv::server receiver(receiver_options(rec));
    receiver.start();
    const std::string body = fresh_body("65f8ac1d1f5b2a0001a1b2c3", akool::image_status::completed, "77");
    akool_test::http_test_client http(origin_of(receiver));

    BOOST_TEST(http.post("/akool/hook", body).status == 500);  // the handler failed: forgotten
    BOOST_TEST(http.post("/akool/hook", body).status == 200);  // the resend is handled
    BOOST_TEST(http.post("/akool/hook", body).status == 200);  // a duplicate: answered, not handled
    BOOST_TEST(http.post("/akool/hook", body).status == 200);
    receiver.stop();

    BOOST_TEST(rec.snapshot().size() == 2u);
    auto c = receiver.get_counters();
    BOOST_TEST(c.requests == 4u);
    BOOST_TEST(c.accepted == 2u);
    BOOST_TEST(c.duplicates == 2u);
    BOOST_TEST(c.rejected == 0u);
    std::lock_guard<std::mutex> lock(rec.m);
    BOOST_TEST_REQUIRE(rec.rejections.size() == 2u);
    for (const auto& ec : rec.rejections)
        BOOST_TEST((ec == akool::make_error_code(akool::error::webhook_duplicate)), ec.message());
}

// The signature takes no secret: a captured callback signed anew (fresh timestamp and nonce)
// by anyone who knows the client id passes every check but the replay guard's, which keys on
// the ciphertext. Handled once.
BOOST_AUTO_TEST_CASE(receiver_handles_a_callback_signed_anew_once)
{
    recorder rec;
    rcv::server receiver(receiver_options(rec));
    receiver.start();
    const std::string body = fresh_body("65f8ac1d1f5b2a0001a1b2d5", akool::image_status::completed, "79");
    akool_test::http_test_client http(origin_of(receiver));
    BOOST_TEST(http.post("/akool/hook", body).status == 200);
    akool::error_code ec;
    const akool::webhook_envelope captured = akool::parse_webhook_body(body, ec);
    BOOST_TEST_REQUIRE(!ec);
    for (int i = 0; i < 3; ++i) {
        const std::string ts = std::to_string(std::stoll(captured.timestamp) + 1000 * (i + 1));
        const std::string nonce = "forged-" + std::to_string(i);
        boost::json::object o;
        o["signature"] = akool::webhook_signature(client_id, ts, nonce, captured.data_encrypt);
        o["dataEncrypt"] = captured.data_encrypt;
        o["timestamp"] = ts;
        o["nonce"] = nonce;
        BOOST_TEST(http.post("/akool/hook", boost::json::serialize(o)).status == 200);
    }
    receiver.stop();
    BOOST_TEST(rec.snapshot().size() == 1u);
    auto c = receiver.get_counters();
    BOOST_TEST(c.accepted == 1u);
    BOOST_TEST(c.duplicates == 3u);
}

// A started receiver of at most `max_connections` connections, and sockets of the test's own
// connected to it (`connect`).
struct crowded_receiver {
    recorder rec;
    rcv::server receiver;
    boost::asio::ip::tcp::endpoint ep;
    boost::asio::io_context ioc;
    std::vector<std::unique_ptr<boost::asio::ip::tcp::socket>> socks;

    static rcv::options limited(recorder& r, std::size_t max_connections)
    {
        auto o = receiver_options(r);
        o.max_connections = max_connections;
        return o;
    }
    explicit crowded_receiver(std::size_t max_connections) : receiver(limited(rec, max_connections))
    {
        receiver.start();
        ep = endpoint_of(receiver);
    }
    boost::asio::ip::tcp::socket& connect()
    {
        socks.push_back(std::make_unique<boost::asio::ip::tcp::socket>(ioc));
        socks.back()->connect(ep);
        return *socks.back();
    }
};

// A flood of connections in the middle of a request (part of a header sent) holds at most
// max_connections sessions, and none is cut: a further connection is closed unread (counted),
// and once one closes, a callback gets through again.
BOOST_AUTO_TEST_CASE(receiver_keeps_at_most_max_connections_open)
{
    crowded_receiver c(3);
    auto& [rec, receiver, ep, ioc, idle] = c;
    for (int i = 0; i < 3; ++i)
        boost::asio::write(c.connect(), boost::asio::buffer(std::string("POST /akool/hook HTTP/1.1\r\n")));
    // Sessions are counted as the server accepts them: wait until it has the three.
    const auto until = steady::now() + 5s;
    boost::asio::ip::tcp::socket extra(ioc);
    for (;;) {
        extra = boost::asio::ip::tcp::socket(ioc);
        extra.connect(ep);
        char byte;
        boost::system::error_code rec_ec;
        extra.read_some(boost::asio::buffer(&byte, 1), rec_ec);  // the server closes it unread
        BOOST_TEST((rec_ec == boost::asio::error::eof || rec_ec == boost::asio::error::connection_reset),
                   rec_ec.message());
        if (receiver.get_counters().refused_connections >= 1 || steady::now() > until) break;
    }
    BOOST_TEST(receiver.get_counters().refused_connections == 1u);
    for (auto& sock : idle) {  // none was cut: each still takes the rest of its request
        boost::system::error_code ec;
        boost::asio::write(*sock, boost::asio::buffer(std::string("Host: x\r\n")), ec);
        BOOST_TEST(!ec, ec.message());
    }
    idle.front()->close();
    // Room again (the closed session ends when the server sees the close).
    int status = 0;
    const std::string body = fresh_body("65f8ac1d1f5b2a0001a1b2d6", akool::image_status::completed, "80");
    for (auto limit = steady::now() + 5s; status != 200 && steady::now() < limit;) {
        akool_test::http_test_client http(origin_of(receiver));
        boost::system::error_code ec;  // closed unread while the session is not gone yet
        status = http.request(boost::beast::http::verb::post, "/akool/hook", body, {}, ec).status;
        if (status != 200) std::this_thread::sleep_for(20ms);
    }
    BOOST_TEST(status == 200);
    receiver.stop();
    BOOST_TEST(rec.snapshot().size() == 1u);
}

// Connections kept alive with a request now and then (a GET, answered 405) cannot hold every
// place (helper-57's audit: two such peers every 0.7 s kept a callback out): when full, a new
// connection takes the place of the one idle longest between two requests, which is closed.
BOOST_AUTO_TEST_CASE(receiver_makes_room_by_closing_the_connection_idle_longest)
{
    crowded_receiver c(2);
    auto& [rec, receiver, ep, ioc, kept] = c;
    const auto get_answered = [&](boost::asio::ip::tcp::socket& sock) {
        const std::string get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        boost::asio::write(sock, boost::asio::buffer(get));
        boost::asio::streambuf in;
        boost::system::error_code ec;
        boost::asio::read_until(sock, in, "Method Not Allowed\n", ec);
        BOOST_TEST(!ec, ec.message());
    };
    for (int i = 0; i < 2; ++i) {
        get_answered(c.connect());
        std::this_thread::sleep_for(20ms);  // the first is idle longer
    }
    akool_test::http_test_client http(origin_of(receiver));
    boost::system::error_code ec;
    const std::string body = fresh_body("65f8ac1d1f5b2a0001a1b2d6", akool::image_status::completed, "80");
    BOOST_TEST(http.request(boost::beast::http::verb::post, "/akool/hook", body, {}, ec).status == 200,
               ec.message());
    char byte;
    kept[0]->read_some(boost::asio::buffer(&byte, 1), ec);  // closed by the server
    BOOST_TEST((ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset), ec.message());
    get_answered(*kept[1]);  // still served
    receiver.stop();
    const auto counted = receiver.get_counters();
    BOOST_TEST(counted.closed_idle == 1u);
    BOOST_TEST(counted.refused_connections == 0u);
    BOOST_TEST(rec.snapshot().size() == 1u);
}

// Connections opened and left silent cannot hold every place either: a callback takes the
// place of the one opened first.
BOOST_AUTO_TEST_CASE(receiver_makes_room_by_closing_a_connection_that_sent_nothing)
{
    crowded_receiver c(2);
    c.connect();
    std::this_thread::sleep_for(20ms);  // accepted, and the first to wait
    c.connect();
    std::this_thread::sleep_for(20ms);
    akool_test::http_test_client http(origin_of(c.receiver));
    boost::system::error_code ec;
    const std::string body = fresh_body("65f8ac1d1f5b2a0001a1b2d6", akool::image_status::completed, "80");
    BOOST_TEST(http.request(boost::beast::http::verb::post, "/akool/hook", body, {}, ec).status == 200,
               ec.message());
    char byte;
    c.socks[0]->read_some(boost::asio::buffer(&byte, 1), ec);  // closed by the server
    BOOST_TEST((ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset), ec.message());
    c.receiver.stop();
    BOOST_TEST(c.receiver.get_counters().closed_idle == 1u);
    BOOST_TEST(c.rec.snapshot().size() == 1u);
}

// A sender that sends `Expect: 100-continue` gets its 100 before it sends the body, then the
// answer (helper-13's audit: no 100 came, so a strict client waited 1 s or more).
BOOST_AUTO_TEST_CASE(receiver_answers_expect_100_continue)
{
    recorder rec;
    rcv::server receiver(receiver_options(rec));
    receiver.start();
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket sock(ioc);
    sock.connect(endpoint_of(receiver));
    // Without the 100 the read below ends when the receiver's read_timeout (10 s) closes the
    // connection: "End of file".
    const std::string body = fresh_body("65f8ac1d1f5b2a0001a1b2d7", akool::image_status::completed, "81");
    boost::asio::write(sock, boost::asio::buffer("POST /akool/hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                                 "Expect: 100-continue\r\nContent-Length: " +
                                                 std::to_string(body.size()) + "\r\n\r\n"));
    std::string got;
    boost::system::error_code ec;
    boost::asio::read_until(sock, boost::asio::dynamic_buffer(got), "\r\n\r\n", ec);
    BOOST_TEST_REQUIRE(!ec, ec.message());
    BOOST_TEST(got.rfind("HTTP/1.1 100 Continue\r\n", 0) == 0u, got);
    got.clear();
    boost::asio::write(sock, boost::asio::buffer(body));
    boost::asio::read_until(sock, boost::asio::dynamic_buffer(got), "\r\n\r\n", ec);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(got.rfind("HTTP/1.1 200 OK\r\n", 0) == 0u, got);
    receiver.stop();
    BOOST_TEST(rec.snapshot().size() == 1u);
}

// The program's line for a callback: one line, the sender's bytes escaped; 503 when it cannot
// be written, so that the service sends the callback again.
namespace {

// What print_callback writes for `p` into a file (it must answer 200).
std::string printed(const akool::webhook_payload& p)
{
    std::FILE* f = std::tmpfile();
    BOOST_TEST_REQUIRE(f != nullptr);
    BOOST_TEST((rcv::print_callback(f, p) == boost::beast::http::status::ok));
    std::rewind(f);
    std::string text(16384, '\0');
    text.resize(std::fread(&text[0], 1, text.size(), f));
    std::fclose(f);
    return text;
}

} // namespace

BOOST_AUTO_TEST_CASE(print_callback_escapes_and_reports_a_failed_write)
{
    akool::webhook_payload p;
    p.id = "task\x1b]0;pwned\x07\x1b[2J\ncallback task=FORGED";
    p.status = akool::image_status::completed;
    p.url = "https://cdn.example.com/a.png\r\n\xc2\x9b" "2J";
    const std::string text = printed(p);
    BOOST_TEST(text == "callback task=task\\x1b]0;pwned\\x07\\x1b[2J\\x0acallback task=FORGED status=completed "
                       "url=https://cdn.example.com/a.png\\x0d\\x0a\\u009b2J\n");

    std::FILE* full = std::fopen("/dev/full", "w");
    BOOST_TEST_REQUIRE(full != nullptr);
    BOOST_TEST((rcv::print_callback(full, p) == boost::beast::http::status::service_unavailable));
    std::fclose(full);
}

// A stdout nobody reads (a full pipe, blocking or not): the line is given up after the limit
// with 503, and the receiver's thread is free again (helper-43's audit: print_callback blocked
// in fputs for as long as the reader slept, every connection and SIGTERM's stop() with it).
BOOST_DATA_TEST_CASE(print_callback_gives_up_on_a_pipe_nobody_reads, boost::unit_test::data::make({false, true}),
                     nonblocking)
{
    std::signal(SIGPIPE, SIG_IGN);  // the clean-up below closes the read end first
    int fds[2];
    BOOST_TEST_REQUIRE(::pipe(fds) == 0);
    const int flags = ::fcntl(fds[1], F_GETFL);
    ::fcntl(fds[1], F_SETFL, flags | O_NONBLOCK);
    const std::string chunk(4096, 'x');
    while (::write(fds[1], chunk.data(), chunk.size()) > 0) {
    }
    if (!nonblocking) ::fcntl(fds[1], F_SETFL, flags);  // full, and blocking again
    std::FILE* out = ::fdopen(fds[1], "w");
    BOOST_TEST_REQUIRE(out != nullptr);
    akool::webhook_payload p;
    p.id = "65f8ac1d1f5b2a0001a1b2d7";
    p.status = akool::image_status::completed;
    p.url = "https://cdn.example.com/a.png";
    const auto t0 = steady::now();
    auto answer = std::async(std::launch::async, [&] { return rcv::print_callback(out, p); });
    const bool ended = answer.wait_for(8s) == std::future_status::ready;
    BOOST_TEST(ended, "print_callback still blocked after 8 s");
    ::close(fds[0]);  // unblocks a write still waiting (EPIPE)
    const auto st = answer.get();
    const auto took = steady::now() - t0;
    BOOST_TEST((st == boost::beast::http::status::service_unavailable));
    BOOST_TEST((took >= 1900ms), "the 2 s limit, not at once");
    std::fclose(out);

    // With room, the line is written whole.
    BOOST_TEST_REQUIRE(::pipe(fds) == 0);
    if (nonblocking) ::fcntl(fds[1], F_SETFL, ::fcntl(fds[1], F_GETFL) | O_NONBLOCK);
    out = ::fdopen(fds[1], "w");
    BOOST_TEST((rcv::print_callback(out, p) == boost::beast::http::status::ok));
    std::fclose(out);
    std::string text(256, '\0');
    text.resize(static_cast<std::size_t>(std::max<ssize_t>(0, ::read(fds[0], &text[0], text.size()))));
    ::close(fds[0]);
    BOOST_TEST(text == "callback task=65f8ac1d1f5b2a0001a1b2d7 status=completed url=https://cdn.example.com/a.png\n");
}

// A line is at most PIPE_BUF bytes, which a pipe takes whole or not at all: a long URL is cut
// (helper-46: a 12 KB URL left 8 KB of a line and no newline on a pipe that took 8 KB).
BOOST_AUTO_TEST_CASE(print_callback_writes_a_long_url_in_one_whole_line)
{
    akool::webhook_payload p;
    p.id = "65f8ac1d1f5b2a0001a1b2d7";
    p.status = akool::image_status::completed;
    p.url = "https://cdn.example.com/" + std::string(12000, 'a');
    std::string text = printed(p);
    BOOST_TEST(text.size() <= rcv::max_callback_line);
    BOOST_TEST(text.size() > rcv::max_callback_line / 2, "as much of the URL as fits");
    BOOST_TEST(text.rfind("callback task=65f8ac1d1f5b2a0001a1b2d7 status=completed url=https://cdn.example.com/aaa", 0) == 0u);
    BOOST_TEST(text.find('\n') == text.size() - 1, "one line, ended");

    p.url = "https://cdn.example.com/" + std::string(6000, '\x01');  // every byte escaped (\x01)
    text = printed(p);
    BOOST_TEST(text.size() <= rcv::max_callback_line);
    BOOST_TEST(text.find("\\x01\\x01") != std::string::npos, text);
    BOOST_TEST(text.find('\n') == text.size() - 1, "one line, ended");
}

// Every request read is counted, the 405 and the 413 too (helper-43: only bodies judged were).
BOOST_AUTO_TEST_CASE(receiver_counts_every_request_it_reads)
{
    recorder rec;
    rcv::options o = receiver_options(rec);
    o.body_limit = 100;
    rcv::server receiver(std::move(o));
    receiver.start();
    boost::asio::io_context ioc;
    auto status_of = [&](const std::string& request) {
        boost::asio::ip::tcp::socket sock(ioc);
        sock.connect(endpoint_of(receiver));
        boost::asio::write(sock, boost::asio::buffer(request));
        std::string got;
        boost::system::error_code ec;
        boost::asio::read_until(sock, boost::asio::dynamic_buffer(got), "\r\n\r\n", ec);
        return got.substr(0, got.find("\r\n"));
    };
    BOOST_TEST(status_of("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") == "HTTP/1.1 405 Method Not Allowed");
    BOOST_TEST(status_of("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\n\r\n" + std::string(200, '{')) ==
               "HTTP/1.1 413 Payload Too Large");
    BOOST_TEST(status_of("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}") ==
               "HTTP/1.1 401 Unauthorized");
    receiver.stop();
    const auto c = receiver.get_counters();
    BOOST_TEST(c.requests == 3u);
    BOOST_TEST(c.rejected == 1u);
}

// The program's log of rejections: 10 lines a second at most, the next line let through
// says how many were not logged (helper-13's audit: a flood of bad posts wrote a line each).
BOOST_AUTO_TEST_CASE(log_limiter_lets_ten_lines_a_second_through)
{
    rcv::log_limiter lim(10);
    const auto t0 = rcv::log_limiter::clock::now();
    std::uint64_t dropped = 99;
    int admitted = 0;
    for (int i = 0; i < 1000; ++i)
        if (lim.admit(t0 + std::chrono::microseconds(i * 500), dropped)) ++admitted;  // 1000 in 0.5 s
    BOOST_TEST(admitted == 10);
    BOOST_TEST(dropped == 0u);  // the tenth line: none dropped before it
    BOOST_TEST(!lim.admit(t0 + 999ms, dropped));
    BOOST_TEST(lim.admit(t0 + 1000ms, dropped));  // a new second
    BOOST_TEST(dropped == 991u);                  // 990 in the flood, 1 at 999 ms
    BOOST_TEST(lim.admit(t0 + 1001ms, dropped));
    BOOST_TEST(dropped == 0u);
}

// Out of file descriptors, the receiver retries its accept every 100 ms rather than in a spin
// (helper-13's audit: 11,827 failed accepts a second), and takes the waiting connection once
// descriptors are free again.
BOOST_AUTO_TEST_CASE(receiver_out_of_descriptors_retries_its_accept_slowly)
{
    recorder rec;
    rcv::server receiver(receiver_options(rec));
    receiver.start();
    const boost::asio::ip::tcp::endpoint ep = endpoint_of(receiver);
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket client(ioc);
    client.open(ep.protocol());  // its descriptor, before there are none
    // Lower the soft limit to a little above what is open, then take every free descriptor.
    rlimit old{};
    BOOST_TEST_REQUIRE(::getrlimit(RLIMIT_NOFILE, &old) == 0);
    const int null_fd = ::open("/dev/null", O_RDONLY);  // also the lowest free descriptor
    BOOST_TEST_REQUIRE(null_fd >= 0);
    std::vector<int> fillers;
    rlimit low = old;
    low.rlim_cur = static_cast<rlim_t>(null_fd) + 16;
    BOOST_TEST_REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
    for (int fd; (fd = ::dup(null_fd)) >= 0;) fillers.push_back(fd);
    const bool exhausted = errno == EMFILE;
    boost::system::error_code ec;
    client.connect(ep, ec);  // completed by the kernel; the server's accept has no descriptor
    std::this_thread::sleep_for(650ms);
    const auto during = receiver.get_counters().failed_accepts;
    for (int fd : fillers) ::close(fd);
    ::close(null_fd);
    ::setrlimit(RLIMIT_NOFILE, &old);
    BOOST_TEST_REQUIRE(exhausted);
    BOOST_TEST_REQUIRE(!ec, ec.message());
    BOOST_TEST(during >= 2u);   // it tried again ...
    BOOST_TEST(during <= 14u);  // ... every 100 ms, not in a spin
    // Descriptors free: the waiting connection is accepted and answered.
    const std::string body = fresh_body("65f8ac1d1f5b2a0001a1b2d7", akool::image_status::completed, "81");
    const std::string req = "POST /akool/hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    boost::asio::write(client, boost::asio::buffer(req), ec);
    BOOST_TEST_REQUIRE(!ec, ec.message());
    boost::asio::streambuf reply;
    boost::asio::read_until(client, reply, "\r\n", ec);
    BOOST_TEST_REQUIRE(!ec, ec.message());
    std::string status_line(boost::asio::buffers_begin(reply.data()),
                            boost::asio::buffers_begin(reply.data()) + 15);
    BOOST_TEST(status_line == "HTTP/1.1 200 OK");
    receiver.stop();
    BOOST_TEST(rec.snapshot().size() == 1u);
}

BOOST_AUTO_TEST_CASE(receiver_without_the_duplicate_check_handles_every_delivery)
{
    recorder rec;
    auto o = receiver_options(rec);
    o.reject_duplicates = false;
    rcv::server receiver(std::move(o));
    receiver.start();
    const std::string body = fresh_body("65f8ac1d1f5b2a0001a1b2c4", akool::image_status::processing, "78");
    akool_test::http_test_client http(origin_of(receiver));
    BOOST_TEST(http.post("/akool/hook", body).status == 200);
    BOOST_TEST(http.post("/akool/hook", body).status == 200);
    receiver.stop();
    BOOST_TEST(rec.snapshot().size() == 2u);
    BOOST_TEST(receiver.get_counters().duplicates == 0u);
}

// ---- Delivery over https ---------------------------------------------------------------------

const akool_test::test_pki& pki() { return akool_test::shared_test_pki(); }

/// What one callback sent by the emulator's sender to an https server became.
struct tls_delivery {
    emu::webhook_outcome outcome;
    std::string body_seen;  ///< the body the server received; empty when none
    int requests = 0;       ///< requests the server read
};

tls_delivery deliver_over_tls(const std::string& cert, const std::string& key, const std::string& host = "127.0.0.1",
                              bool verify = true)
{
    std::mutex m;
    std::string seen;
    akool_test::mini::server srv(
        [&](const boost::beast::http::request<boost::beast::http::string_body>& r) {
            std::lock_guard<std::mutex> lock(m);
            seen = r.body();
            return akool_test::mini::action{};
        },
        akool_test::mini::tls_files{cert, key});
    boost::asio::io_context ioc;
    emu::webhook_sender_options o;
    o.max_attempts = 1;
    o.timeout = 5s;
    o.ca_file = pki().ca_cert;
    o.tls_verify = verify;
    emu::webhook_sender sender(ioc.get_executor(), {client_id, client_secret}, o);
    akool::webhook_payload p;
    p.id = "65f8ac1d1f5b2a0001a1b2c5";
    p.status = akool::image_status::completed;
    p.url = "https://cdn.example.com/tls.png";
    tls_delivery d;
    bool done = false;
    sender.send(srv.base_url(host) + "/hook", p, [&](const emu::webhook_outcome& r) {
        d.outcome = r;
        done = true;
    });
    ioc.run_for(20s);
    BOOST_TEST_REQUIRE(done, "the sender did not finish in time");
    srv.stop();
    std::lock_guard<std::mutex> lock(m);
    d.body_seen = seen;
    d.requests = srv.requests();
    return d;
}

BOOST_AUTO_TEST_CASE(sender_delivers_over_https_to_a_trusted_certificate)
{
    for (const std::string host : {"127.0.0.1", "localhost"}) {
        if (akool_test::skip_host(host, "sender_delivers_over_https_to_a_trusted_certificate"))
            continue;
        tls_delivery d = deliver_over_tls(pki().server_cert, pki().server_key, host);
        BOOST_TEST(!d.outcome.ec, host << ": " << d.outcome.ec.message());
        BOOST_TEST(d.outcome.http_status == 200u);
        BOOST_TEST(d.outcome.attempts == 1u);
        BOOST_TEST_REQUIRE(d.requests == 1);
        akool::error_code ec;
        akool::webhook_payload p = akool::verify_webhook(d.body_seen, {client_id, client_secret}, {}, ec);
        BOOST_TEST(!ec, ec.message());
        BOOST_TEST(p.id == "65f8ac1d1f5b2a0001a1b2c5");
        BOOST_TEST(p.url == "https://cdn.example.com/tls.png");
    }
}

BOOST_AUTO_TEST_CASE(sender_refuses_an_unverified_receiver_and_sends_nothing)
{
    struct bad_case {
        const char* what;
        std::string cert, key;
    };
    const bad_case cases[] = {
        {"unknown CA", pki().self_signed_cert, pki().self_signed_key},
        {"wrong host name", pki().wrong_host_cert, pki().server_key},
        {"expired", pki().expired_cert, pki().server_key},
    };
    for (const auto& c : cases) {
        tls_delivery d = deliver_over_tls(c.cert, c.key);
        BOOST_TEST(d.outcome.ec.failed(), c.what);
        BOOST_TEST(d.outcome.http_status == 0u, c.what);
        BOOST_TEST(d.requests == 0, c.what);
        BOOST_TEST(d.body_seen.empty(), c.what);
    }
    // Verification off (tls_verify = false): the same unknown CA is accepted.
    tls_delivery d = deliver_over_tls(pki().self_signed_cert, pki().self_signed_key, "127.0.0.1", false);
    BOOST_TEST(!d.outcome.ec, d.outcome.ec.message());
    BOOST_TEST(d.requests == 1);
}

BOOST_AUTO_TEST_SUITE_END()
