// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// Compile-time TU "decode_replies" (bench/compile-time.sh): decodes a create reply and a
// get-result reply through <akool/json.hpp>, header-only mode: what a TU that reads the
// service's replies compiles of the decoders.
#include <akool/json.hpp>

#include <cstdio>

int main(int argc, char** argv)
{
    akool::error_code ec;
    akool::diagnostics diag;
    const char* body = argc > 1 ? argv[1] : "{}";
    auto tasks = akool::decode_create_response(body, ec, diag);
    auto result = akool::decode_result_response(body, ec, diag);
    std::printf("%zu %s %s\n", tasks.size(), result.image_url.c_str(), diag.summary().c_str());
    return ec ? 1 : 0;
}
