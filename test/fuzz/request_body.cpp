// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// The server side's request reader on any bytes, then the client's path: decode_image_request
// -> validate -> encode_image_request -> decode_image_request. Invariants:
//  - a failed decode says why (issues for validation_failed, a message for bad_response);
//  - a decoded request without validation errors encodes to valid JSON that decodes, without
//    any issue, to the same request, and encodes again to the same bytes.

#include "fuzz_common.hpp"

#include <akool/json.hpp>
#include <akool/validate.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace akool;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    error_code ec;
    diagnostics diag;
    image_request req = decode_image_request(body, ec, diag);
    if (ec == make_error_code(error::validation_failed)) {
        AKOOL_FUZZ_CHECK(!diag.issues.empty(), "validation_failed without an issue");
        return 0;
    }
    if (ec) {
        AKOOL_FUZZ_CHECK(ec == make_error_code(error::bad_response), "an error other than bad_response");
        AKOOL_FUZZ_CHECK(!diag.client_message.empty(), "bad_response without a message");
        return 0;
    }
    AKOOL_FUZZ_CHECK(diag.issues.empty(), "issues on success");
    if (!has_errors(validate(req))) akool_fuzz::check_round_trip(req);
    return 0;
}
