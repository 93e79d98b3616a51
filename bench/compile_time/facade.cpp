// Compile-time TU (bench/compile-time.sh): the blocking facade as a game engine's TU would use
// it, in the compiled mode (AKOOL_SEPARATE_COMPILATION: <akool/src.hpp> is compiled once
// elsewhere), so the TU reaches no Asio, Beast or OpenSSL header. One generate, as README's tour.
#include <akool/blocking_client.hpp>

#include <cstdlib>
#include <iostream>

int main()
{
    akool::client_options opts;
    if (const char* key = std::getenv("AKOOL_API_KEY")) opts.api_key = key;
    akool::blocking_client client(opts);

    auto req = akool::image_request::text_to_image("A lighthouse in a storm");
    req.batch_quantity = 2;
    akool::generate_options gen;
    gen.output_dir = "out";
    akool::error_code ec;
    akool::diagnostics diag;
    auto images = client.generate(req, gen, ec, diag);
    if (ec) {
        std::cerr << ec.message() << ": " << diag.summary() << "\n";
        return 1;
    }
    for (const auto& img : images) std::cout << img.file_path << "\n";
}
