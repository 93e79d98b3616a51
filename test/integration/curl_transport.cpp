// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// The libcurl transport of example/curl_transport.hpp against the emulator over real sockets:
// generate (multi-socket on the io_context), a sync create (easy handle on the calling
// thread), cancellation, timeouts, the size limit and the body sink, and a create whose
// connection drops after the service processed it: reported as outcome_unknown and never
// resent (the emulator counts one create), also after a read left a kept-alive connection.
// Built only when libcurl is found; the example program itself is run when it is built.
#define BOOST_TEST_MODULE curl_transport
#include <boost/test/unit_test.hpp>

#include "../../example/curl_transport.hpp"
#include "../../example/emulator/emulator.hpp"
#include "calling_styles.hpp"
#include "mini_server.hpp"
#ifdef AKOOL_CURL_EXAMPLE
#include "run_process.hpp"
#endif

#include <akool/client.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace emu = akool_emulator;
using akool_example::curl_transport;
using ms = std::chrono::milliseconds;

namespace {

using curl_client = akool::basic_client<curl_transport>;
const std::string png_magic("\x89PNG", 4);

struct rig {
    emu::server srv;
    asio::io_context ioc;
    curl_client client;
    akool::diagnostics diag;

    static emu::options emulator_options(ms latency)
    {
        emu::options o;
        o.api_key = "curl-key";
        o.queue_time = ms(0);
        o.process_time = ms(0);
        o.image_scale_down = 4;  // a body of several pieces
        o.faults.latency = latency;
        return o;
    }
    akool::client_options client_options() const
    {
        akool::client_options o;
        o.base_url = srv.base_url();
        o.api_key = "curl-key";
        return o;
    }
    explicit rig(ms latency = ms(0))
        : srv(emulator_options(latency)),
          client(curl_transport(ioc.get_executor()), (srv.start(), client_options()))
    {
        akool::retry_policy fast;
        fast.initial_backoff = ms(1);
        fast.max_backoff = ms(2);
        client.set_retry_policy(fast);
    }
    akool::http_request get(std::string path) const
    {
        akool::http_request r;
        r.url = srv.base_url() + path;
        r.headers.push_back({"x-api-key", "curl-key"});
        return r;
    }
};

akool::wait_options fast_wait()
{
    akool::wait_options w;
    w.schedule = {ms(5), 1.0, ms(5), 0.0};
    w.deadline = ms(20000);
    return w;
}

} // namespace

BOOST_AUTO_TEST_CASE(generate_downloads_every_image)
{
    rig r;
    auto req = akool::image_request::text_to_image("two lighthouses");
    req.batch_quantity = 2;
    akool::generate_options g;
    g.wait = fast_wait();
    akool::error_code ec;
    std::vector<akool::generated_image> images;
    r.client.async_generate(req, g, r.diag, [&](akool::error_code e, std::vector<akool::generated_image> v) {
        ec = e;
        images = std::move(v);
    });
    r.ioc.run();
    BOOST_TEST(!ec, ec.message() << " " << r.diag.summary());
    BOOST_REQUIRE_EQUAL(images.size(), 2u);
    for (const auto& im : images) {
        BOOST_TEST(!im.ec, im.ec.message());
        BOOST_TEST(im.data.size() > 1000u);
        BOOST_TEST(im.data.compare(0, 4, png_magic) == 0);
    }
    auto s = r.srv.get_stats();
    BOOST_TEST(s.creates_processed == 1u);
    BOOST_TEST(s.images_served == 2u);
}

BOOST_AUTO_TEST_CASE(sync_create_and_get_result)
{
    rig r;
    akool::error_code ec;
    auto tasks = r.client.create(akool::image_request::text_to_image("a sync lighthouse"), ec, r.diag);
    BOOST_TEST(!ec, ec.message() << " " << r.diag.summary());
    BOOST_REQUIRE_EQUAL(tasks.size(), 1u);
    auto result = r.client.get_result(tasks.front().id, ec, r.diag);
    BOOST_TEST(!ec, ec.message() << " " << r.diag.summary());
    BOOST_TEST(result.id == tasks.front().id);
    BOOST_TEST(r.srv.get_stats().creates_processed == 1u);
    // The API's refusal comes back as the service's code, not as a transport failure.
    r.client.set_api_key("wrong-key");
    r.client.create(akool::image_request::text_to_image("refused"), ec, r.diag);
    BOOST_TEST(akool::is_api_error(ec), ec.message());
    BOOST_TEST(r.srv.get_stats().creates_processed == 1u);
}

// use_future's handlers have the system executor: the transport completes through its own
// executor first, so the operation resumes on the thread running the io_context.
BOOST_AUTO_TEST_CASE(wait_with_use_future)
{
    rig r;
    akool::error_code ec;
    auto tasks = r.client.create(akool::image_request::text_to_image("a future lighthouse"), ec, r.diag);
    BOOST_REQUIRE(!ec);
    const auto main_thread = std::this_thread::get_id();
    std::vector<std::thread::id> progress;
    auto w = fast_wait();
    w.on_progress = [&](const akool::progress_event&) { progress.push_back(std::this_thread::get_id()); };
    auto f = r.client.async_wait(tasks.front().id, w, r.diag, asio::use_future);
    r.ioc.run();
    auto result = f.get();
    BOOST_TEST((result.status == akool::image_status::completed));
    BOOST_TEST(!progress.empty());
    for (auto id : progress) BOOST_TEST((id == main_thread), "the wait resumed off the io_context's thread");
}

// The connection drops after the emulator processed the create: outcome_unknown, and the
// emulator saw one create, in both forms. A read first leaves a kept-alive connection in
// curl's cache: the create must not go over it (a fresh connection that is not kept).
BOOST_AUTO_TEST_CASE(dropped_create_is_not_resent)
{
    for (bool sync : {false, true}) {
        rig r;
        akool::error_code ec;
        r.client.get_result("warm-up-read", ec, r.diag);  // a kept-alive connection (sync: easy handle)
        bool done = false;
        r.client.async_get_result("warm-up-read", r.diag, [&](akool::error_code, akool::image_result) { done = true; });
        r.ioc.run();
        r.ioc.restart();
        BOOST_TEST(done);
        const auto before = r.srv.get_stats();

        r.srv.fail_next(emu::fault_kind::drop_after);
        auto req = akool::image_request::text_to_image(sync ? "dropped sync" : "dropped async");
        std::vector<akool::image_task> tasks;
        if (sync) {
            tasks = r.client.create(req, ec, r.diag);
        } else {
            r.client.async_create(req, r.diag, [&](akool::error_code e, std::vector<akool::image_task> t) {
                ec = e;
                tasks = std::move(t);
            });
            r.ioc.run();
        }
        BOOST_TEST(ec == akool::error::outcome_unknown, (sync ? "sync: " : "async: ") << ec.message());
        BOOST_TEST(tasks.empty());
        auto s = r.srv.get_stats();
        BOOST_TEST(s.creates_processed == 1u, "the create was resent");
        BOOST_TEST(s.max_creates_per_body() == 1u);
        BOOST_TEST(s.faults(emu::fault_kind::drop_after) == 1u);
        BOOST_TEST(s.connections == before.connections + 1, "the create did not get one fresh connection");
    }
}

// Terminal cancellation abandons a read in flight at once: operation_aborted, long before the
// emulator's 3 s latency ends.
BOOST_AUTO_TEST_CASE(cancellation_abandons_the_exchange)
{
    rig r(ms(3000));
    asio::cancellation_signal cancel;
    asio::steady_timer timer(r.ioc, ms(100));
    timer.async_wait([&](akool::error_code) { cancel.emit(asio::cancellation_type::terminal); });
    akool::error_code ec;
    bool done = false;
    const auto start = std::chrono::steady_clock::now();
    r.client.async_get_result("slow-task", r.diag,
                              asio::bind_cancellation_slot(cancel.slot(), [&](akool::error_code e, akool::image_result) {
                                  ec = e;
                                  done = true;
                              }));
    r.ioc.run();
    const auto took = std::chrono::steady_clock::now() - start;
    BOOST_TEST(done);
    BOOST_TEST(ec == asio::error::operation_aborted, ec.message());
    BOOST_TEST(std::chrono::duration_cast<ms>(took).count() < 2000);
}

// The transport alone, both forms: the request's timeout, the size limit, the body sink, a
// refused connection (nothing sent).
BOOST_AUTO_TEST_CASE(timeouts_limits_sink_and_refusals)
{
    rig slow(ms(2000));
    curl_transport t(slow.ioc.get_executor());
    auto req = slow.get("/api/open/v3/content/image/infobymodelid?image_model_id=x");
    req.timeout = ms(200);
    akool::http_response resp;
    akool::error_code ec;
    t.send(req, resp, ec);
    BOOST_TEST(ec == akool::error::timeout, ec.message());
    BOOST_TEST(resp.maybe_sent);
    t.async_send(akool::http_request(req), [&](akool::error_code e, akool::http_response r) {
        ec = e;
        resp = std::move(r);
    });
    slow.ioc.run();
    BOOST_TEST(ec == akool::error::timeout, ec.message());

    rig r;
    curl_transport tr(r.ioc.get_executor());  // after `r`: a transport must not outlive its io_context
    auto tasks = r.client.create(akool::image_request::text_to_image("an image to fetch"), ec, r.diag);
    BOOST_REQUIRE(!ec);
    auto done = r.client.wait(tasks.front().id, fast_wait(), ec, r.diag);
    BOOST_REQUIRE(!ec);
    const std::string image = done.image_url.substr(r.srv.base_url().size());
    auto big = r.get(image);
    big.max_response_bytes = 100;
    tr.send(big, resp, ec);
    BOOST_TEST(ec == akool::error::response_too_large, ec.message());

    std::string streamed;
    auto sunk = r.get(image);
    sunk.body_sink = {[](void* ctx, std::string_view chunk, akool::error_code&) {
                          static_cast<std::string*>(ctx)->append(chunk.data(), chunk.size());
                      },
                      &streamed};
    tr.send(sunk, resp, ec);
    BOOST_TEST(!ec, ec.message() << " " << resp.failure_detail);
    BOOST_TEST(resp.status == 200);
    BOOST_TEST(resp.body.empty());
    BOOST_TEST(streamed.compare(0, 4, png_magic) == 0);
    streamed.clear();
    sunk.url = r.srv.base_url() + "/files/missing.png";  // not 200: the body stays in the response
    tr.send(sunk, resp, ec);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(resp.status == 404);
    BOOST_TEST(!resp.body.empty());
    BOOST_TEST(streamed.empty());

    auto refused = r.get("/");
    refused.url = "http://127.0.0.1:1/";  // nothing listens on port 1
    tr.async_send(std::move(refused), [&](akool::error_code e, akool::http_response rr) {
        ec = e;
        resp = std::move(rr);
    });
    r.ioc.restart();  // the sync wait above ran it out of work
    r.ioc.run();
    BOOST_TEST(ec == akool::error::request_not_sent, ec.message());
    BOOST_TEST(!resp.maybe_sent);
}

// A request that asks for a public address (a download's, http_request::public_address_only)
// never connects to 127.0.0.1, in both sends: not when a name resolves there (curl's resolve
// entries; each address is checked as curl opens its socket), not over a connection kept
// alive from an unchecked request (helper-53's review), and not when the URL says so itself
// (refused before curl starts): error::address_not_allowed, nothing sent, nothing served.
BOOST_AUTO_TEST_CASE(a_request_for_a_public_address_never_connects_to_a_private_one)
{
    akool_test::mini::server srv([](const auto&) { return akool_test::mini::action{}; });
    asio::io_context ioc;
    const std::string port = std::to_string(srv.port());
    akool_example::curl_transport_options o;
    o.resolve.push_back("cdn.example.test:" + port + ":127.0.0.1");
    curl_transport t(ioc.get_executor(), o);
    akool::http_request req;
    req.url = "http://cdn.example.test:" + port + "/x";
    akool::http_response resp;
    akool::error_code ec;
    const auto send_async = [&](akool::http_request q) {
        t.async_send(std::move(q), [&](akool::error_code e, akool::http_response rr) {
            ec = e;
            resp = std::move(rr);
        });
        ioc.restart();
        ioc.run();
    };
    send_async(req);  // unchecked: answered, its connection kept in the multi handle's cache
    BOOST_TEST(!ec, ec.message() << " " << resp.failure_detail);
    BOOST_TEST(resp.status == 200);
    send_async(req);
    BOOST_TEST(srv.connections() == 1, "curl keeps the connection alive (else the test below proves less)");
    req.public_address_only = true;
    send_async(req);
    BOOST_TEST(ec == akool::error::address_not_allowed, ec.message() << " " << resp.failure_detail);
    BOOST_TEST(!resp.maybe_sent);
    BOOST_TEST(resp.failure_detail.find("an address of the host that is not public was skipped") != std::string::npos,
               resp.failure_detail);
    t.send(req, resp, ec);
    BOOST_TEST(ec == akool::error::address_not_allowed, ec.message() << " " << resp.failure_detail);
    req.url = srv.base_url() + "/x";  // 127.0.0.1 in the URL itself
    send_async(req);
    BOOST_TEST(ec == akool::error::address_not_allowed, ec.message() << " " << resp.failure_detail);
    BOOST_TEST(resp.failure_detail.find("the host \"127.0.0.1\" is not a public address") != std::string::npos,
               resp.failure_detail);
    BOOST_TEST(srv.requests() == 2, "only the unchecked requests reached the server");
}

// A reply framed by the server's close (no Content-Length, not chunked) is reported as such
// (http_response::ended_by_close), a framed one is not: the client checks the end of an image
// that came the first way.
BOOST_AUTO_TEST_CASE(a_body_the_close_ended_is_said_so)
{
    const std::string body = R"({"code":1000})";  // 13 bytes
    const std::string replies[] = {
        "HTTP/1.1 200 OK\r\n\r\n" + body,
        "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n" + body,
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nd\r\n" + body + "\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\nd\r\n" + body + "\r\n0\r\n\r\n",
    };
    for (int i = 0; i < 4; ++i) {
        // One connection: read the request's head, write the reply, close.
        asio::io_context server_ioc;
        asio::ip::tcp::acceptor acceptor(server_ioc, {asio::ip::make_address("127.0.0.1"), 0});
        std::thread server([&] {
            asio::ip::tcp::socket s(server_ioc);
            akool::error_code ec;
            acceptor.accept(s, ec);
            std::string head;
            while (!ec && head.find("\r\n\r\n") == std::string::npos) {
                char buf[1024];
                head.append(buf, s.read_some(asio::buffer(buf), ec));
            }
            asio::write(s, asio::buffer(replies[i]), ec);
            s.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
        });
        asio::io_context ioc;
        curl_transport t(ioc.get_executor());
        akool::http_request req;
        req.url = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/x";
        req.timeout = ms(10000);
        akool::http_response resp;
        akool::error_code ec;
        t.send(req, resp, ec);
        server.join();
        BOOST_TEST(!ec, ec.message() << " " << resp.failure_detail);
        BOOST_TEST(resp.body == body);
        BOOST_TEST(resp.ended_by_close == (i == 0), "reply " << i);
    }
}

#ifdef AKOOL_CURL_EXAMPLE
// The example program, as a user runs it.
BOOST_AUTO_TEST_CASE(example_program_generates_and_creates)
{
    rig r;
    std::map<std::string, std::string> env{{"AKOOL_API_KEY", "curl-key"}};
    const std::string exe = std::string(AKOOL_BIN_DIR) + "/curl_transport";
    auto gen = akool_test::run_process(exe, {r.srv.base_url(), "generate", "an example lighthouse"}, env, "/dev/null",
                                       ms(60000));
    BOOST_TEST(gen.exit_code == 0, gen.err);
    BOOST_TEST(gen.out.find(" bytes") != std::string::npos, gen.out);
    auto create = akool_test::run_process(exe, {r.srv.base_url(), "create"}, env, "/dev/null", ms(60000));
    BOOST_TEST(create.exit_code == 0, create.err);
    BOOST_TEST(create.out.find("created") != std::string::npos, create.out);
    BOOST_TEST(r.srv.get_stats().creates_processed == 2u);
}
#endif
