// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// Small helpers for scripting the fake transport in unit tests.
#ifndef AKOOL_TEST_FAKE_REPLIES_HPP
#define AKOOL_TEST_FAKE_REPLIES_HPP

#include <akool/transport.hpp>

#include <string>

namespace akool_test {

// A 200 reply with this body.
inline akool::http_response ok(std::string body)
{
    akool::http_response r;
    r.status = 200;
    r.body = std::move(body);
    return r;
}

// The task id of an infobymodelid (get-result) URL; empty for any other.
inline std::string id_of(const akool::http_request& r)
{
    auto p = r.url.find("image_model_id=");
    return p == std::string::npos ? "" : r.url.substr(p + 15);
}

} // namespace akool_test

#endif
