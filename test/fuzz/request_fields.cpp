// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// A request built field by field from the fuzzer's bytes (any bytes in the strings, any
// double, any batch size, each optional field set or not). Invariant: a clean request (no
// validation error) encodes to valid JSON that decodes to itself, and encodes again to the
// same bytes. So every string the validator accepts must be one the encoder can write as JSON
// (valid UTF-8): the validator reports a string that is not.

#include "fuzz_common.hpp"

#include <akool/json.hpp>
#include <akool/validate.hpp>

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

using namespace akool;

namespace {

// Mostly plausible text, sometimes any bytes: an http(s) URL prefix half the time for the
// fields that hold URLs, so that the validator's URL check passes often enough for the
// encoder to be reached.
std::string text(FuzzedDataProvider& in, bool url)
{
    std::string prefix;
    if (url) {
        switch (in.ConsumeIntegralInRange<int>(0, 3)) {
        case 0: prefix = "https://example.com/"; break;
        case 1: prefix = "http://[::1]:8080/"; break;
        default: break;
        }
    }
    return prefix + in.ConsumeRandomLengthString(64);
}

std::optional<std::string> opt_text(FuzzedDataProvider& in, bool url = false)
{
    if (!in.ConsumeBool()) return std::nullopt;
    return text(in, url);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    FuzzedDataProvider in(data, size);
    image_request req;
    req.prompt = text(in, false);
    req.model_name = opt_text(in);
    for (int n = in.ConsumeIntegralInRange<int>(0, 3); n > 0; --n) req.source_images.push_back(text(in, true));
    if (in.ConsumeBool()) req.scale = static_cast<image_scale>(in.ConsumeIntegralInRange<int>(0, 7));
    if (in.ConsumeBool()) req.resolution = static_cast<image_resolution>(in.ConsumeIntegralInRange<int>(0, 1));
    if (in.ConsumeBool()) req.batch_quantity = in.ConsumeIntegralInRange<int>(-1, 6);
    if (in.ConsumeBool()) req.similar = in.ConsumeBool() ? in.ConsumeProbability<double>() : in.ConsumeFloatingPoint<double>();
    req.negative_prompt = opt_text(in);
    req.webhook_url = opt_text(in, true);

    if (!has_errors(validate(req))) akool_fuzz::check_round_trip(req);
    return 0;
}
