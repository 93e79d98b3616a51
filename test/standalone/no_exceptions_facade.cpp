// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// Engine code built with -fno-exceptions, using the blocking facade in the compiled mode: this
// file is compiled without exceptions and with AKOOL_SEPARATE_COMPILATION, and linked with the
// compiled library (built with exceptions: Boost 1.81's Beast needs them) and the in-process
// emulator. Neither header it includes reaches Asio (whose types change layout without
// exceptions: detail/needs_exceptions.hpp). It calls the error_code forms for real: a request
// that fails validation, a generate over real sockets, a cancel() from another thread, a
// refused connection. No Boost.Test (a plain main; a failed check prints and exits 1).
#ifndef AKOOL_SEPARATE_COMPILATION
#error "no_exceptions_facade.cpp is built with AKOOL_SEPARATE_COMPILATION"
#endif

#include <akool/blocking_client.hpp>

#include "../../example/emulator/emulator.hpp"

#include <boost/system/errc.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace boost {
void throw_exception(const std::exception&) { std::abort(); }
void throw_exception(const std::exception&, const boost::source_location&) { std::abort(); }
} // namespace boost

namespace {

int failures = 0;

void check(bool ok, const char* what, const akool::error_code& ec, const akool::diagnostics& diag)
{
    if (ok) {
        std::printf("ok   %s\n", what);
        return;
    }
    ++failures;
    std::printf("FAIL %s: %s: %s\n", what, ec.message().c_str(), diag.summary().c_str());
}

} // namespace

int main()
{
    using ms = std::chrono::milliseconds;
    namespace fs = std::filesystem;

    akool_emulator::options eo;
    eo.api_key = "engine-key";
    eo.queue_time = ms(0);
    eo.process_time = ms(0);
    akool_emulator::server srv(eo);
    akool::error_code ec;
    srv.start(ec);
    if (ec) {
        std::printf("FAIL the emulator does not start: %s\n", ec.message().c_str());
        return 1;
    }

    akool::client_options opts;
    opts.base_url = srv.base_url();
    opts.api_key = "engine-key";
    akool::blocking_client client(opts);
    akool::diagnostics diag;

    // Invalid: refused before anything is sent.
    client.create(akool::image_request::text_to_image("   "), ec, diag);
    check(ec == akool::error::validation_failed, "an invalid request fails validation", ec, diag);

    // Create, wait and download over real sockets: one file, a PNG.
    const fs::path dir = fs::temp_directory_path() / ("akool-no-exceptions-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    akool::generate_options gen;
    gen.output_dir = dir.string();
    gen.wait.schedule = {ms(5), 1.0, ms(5), 0.0};
    auto images = client.generate(akool::image_request::text_to_image("a lighthouse"), gen, ec, diag);
    bool saved = !ec && images.size() == 1 && fs::exists(images.front().file_path);
    if (saved) {
        std::ifstream in(images.front().file_path, std::ios::binary);
        char magic[4] = {};
        in.read(magic, 4);
        saved = std::string(magic, 4) == std::string("\x89PNG", 4);
    }
    check(saved, "generate saves the image", ec, diag);

    // cancel() from another thread ends a running wait with operation_aborted.
    srv.set_timings(ms(60000), ms(0));
    auto tasks = client.create(akool::image_request::text_to_image("a slow lighthouse"), ec, diag);
    check(!ec && tasks.size() == 1, "create answers", ec, diag);
    if (!tasks.empty()) {
        std::thread canceller([&] {
            std::this_thread::sleep_for(ms(200));
            client.cancel();
        });
        auto started = std::chrono::steady_clock::now();
        akool::wait_options w;
        w.schedule = {ms(20), 1.0, ms(20), 0.0};
        w.deadline = ms(30000);
        client.wait(tasks.front().id, w, ec, diag);
        auto took = std::chrono::steady_clock::now() - started;
        canceller.join();
        check(ec == boost::system::errc::operation_canceled && took < std::chrono::seconds(10),
              "cancel() from another thread ends the wait", ec, diag);
    }

    // Nothing listens: the connection is refused, reported as such.
    srv.stop();
    akool::retry_policy none;
    none.max_retries = 0;
    client.set_retry_policy(none);
    client.create(akool::image_request::text_to_image("a lighthouse"), ec, diag);
    check(ec == boost::system::errc::connection_refused, "a refused connection is reported", ec, diag);

    std::error_code rm;
    fs::remove_all(dir, rm);
    std::printf("%d failed\n", failures);
    return failures == 0 ? 0 : 1;
}
