// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// Built with clang++ -stdlib=libc++ (the standard library of Xcode and the Android NDK) by
// libcxx.sh and run against akool-emulator: README's library tour, header-only, a batch of two
// generated, waited for and saved. Boost.JSON's sources are compiled here, as Debian's
// libboost_json is built against libstdc++. Exit status 0 when both images are saved.
#include <akool/akool.hpp>
#include <boost/json/src.hpp>

#include <chrono>
#include <cstdio>
#include <string>

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: libcxx_smoke BASE_URL OUTPUT_DIR\n");
        return 2;
    }
    boost::asio::io_context ioc;
    akool::client_options opts;
    opts.base_url = argv[1];
    opts.api_key = "libcxx-key";
    akool::client client(ioc, opts);

    auto req = akool::image_request::text_to_image("A lighthouse in a storm");
    req.batch_quantity = 2;
    for (const auto& issue : akool::validate(req)) {
        std::printf("libcxx_smoke: %s: %s\n", issue.field.c_str(), issue.message.c_str());
        return 1;
    }

    akool::generate_options gen;
    gen.output_dir = argv[2];
    gen.wait.schedule = {std::chrono::milliseconds(20), 1.0, std::chrono::milliseconds(20), 0.0};
    akool::error_code ec;
    akool::diagnostics diag;
    auto images = client.generate(req, gen, ec, diag);
    if (ec) {
        std::printf("libcxx_smoke: generate failed: %s: %s\n", ec.message().c_str(), diag.summary().c_str());
        return 1;
    }
    for (const auto& img : images) std::printf("libcxx_smoke: saved %s\n", img.file_path.c_str());
    return images.size() == 2 ? 0 : 1;
}
