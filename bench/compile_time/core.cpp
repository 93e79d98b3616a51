// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// Compile-time TU "core" (bench/compile-time.sh): builds a request, validates it and encodes
// its body with the core headers only, header-only mode. <akool/json_encode.hpp> is the
// encoder half of <akool/json.hpp>; core_json.cpp is the same TU through <akool/json.hpp>.
#include <akool/json_encode.hpp>
#include <akool/validate.hpp>

#include <cstdio>

int main()
{
    auto req = akool::image_request::text_to_image("A lighthouse in a storm");
    req.batch_quantity = 2;
    if (akool::has_errors(akool::validate(req))) return 1;
    const std::string body = akool::encode_image_request(req);
    std::fwrite(body.data(), 1, body.size(), stdout);
    return 0;
}
