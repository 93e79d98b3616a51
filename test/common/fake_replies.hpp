// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// Small helpers for scripting the fake transport in unit tests.
#ifndef AKOOL_TEST_FAKE_REPLIES_HPP
#define AKOOL_TEST_FAKE_REPLIES_HPP

#include <akool/model.hpp>
#include <akool/transport.hpp>

#include <string>

namespace akool_test {

// A task's state as a get-result decodes it: `s`, and the image's URL when completed.
inline akool::image_result result_of(akool::image_status s, std::string url = {})
{
    akool::image_result r;
    r.status = s;
    r.image_url = std::move(url);
    return r;
}

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
