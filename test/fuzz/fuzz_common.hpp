// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_TEST_FUZZ_COMMON_HPP
#define AKOOL_TEST_FUZZ_COMMON_HPP

// Helpers of the libFuzzer targets (test/fuzz/README.md): an invariant check that reports and
// aborts (libFuzzer then saves the input as a finding), and the field-by-field comparisons of
// the model's types.

#include <akool/json.hpp>
#include <akool/model.hpp>

#include <boost/json/parse.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace akool_fuzz {

[[noreturn]] inline void fail(const char* cond, const char* what, const char* file, int line)
{
    std::fprintf(stderr, "\n*** invariant broken at %s:%d: %s\n*** %s\n", file, line, cond, what);
    std::abort();
}

#define AKOOL_FUZZ_CHECK(cond, what)                                      \
    do {                                                                  \
        if (!(cond)) ::akool_fuzz::fail(#cond, what, __FILE__, __LINE__); \
    } while (false)

// Prints `s` to stderr, bytes outside printable ASCII as \xNN: the context of a finding.
inline void show(const char* label, std::string_view s)
{
    std::fprintf(stderr, "%s: ", label);
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f && c != '\\')
            std::fputc(c, stderr);
        else
            std::fprintf(stderr, "\\x%02X", u);
    }
    std::fputc('\n', stderr);
}

// `s` is one complete, valid JSON text (Boost.JSON's parser also refuses invalid UTF-8).
inline bool is_valid_json(std::string_view s)
{
    boost::json::error_code ec;
    boost::json::parse(boost::json::string_view(s.data(), s.size()), ec);
    return !ec;
}

inline bool same_request(const akool::image_request& a, const akool::image_request& b)
{
    return a.prompt == b.prompt && a.model_name == b.model_name && a.source_images == b.source_images &&
           a.scale == b.scale && a.resolution == b.resolution && a.batch_quantity == b.batch_quantity &&
           a.similar == b.similar && a.negative_prompt == b.negative_prompt && a.webhook_url == b.webhook_url;
}

// The promise of a request that validates clean: it encodes to valid JSON that decodes,
// without any issue, to the same request, and encodes again to the same bytes.
inline void check_round_trip(const akool::image_request& req)
{
    const std::string encoded = akool::encode_image_request(req);
    if (!is_valid_json(encoded)) show("encoded", encoded);
    AKOOL_FUZZ_CHECK(is_valid_json(encoded), "a clean request encodes to invalid JSON");
    akool::error_code ec;
    akool::diagnostics diag;
    akool::image_request back = akool::decode_image_request(encoded, ec, diag);
    AKOOL_FUZZ_CHECK(!ec, "a clean request's body does not decode");
    AKOOL_FUZZ_CHECK(same_request(req, back), "a clean request changed on a round trip");
    AKOOL_FUZZ_CHECK(akool::encode_image_request(back) == encoded, "encoding is not stable");
}

inline bool same_task(const akool::image_task& a, const akool::image_task& b)
{
    return a.id == b.id && a.status == b.status && a.uid == b.uid && a.team_id == b.team_id &&
           a.create_time == b.create_time && a.prompt == b.prompt && a.origin_prompt == b.origin_prompt &&
           a.source_image == b.source_image && a.sub_status == b.sub_status &&
           a.deduction_credit == b.deduction_credit && a.model_name == b.model_name && a.provider == b.provider &&
           a.type == b.type && a.from == b.from && a.sub_type == b.sub_type && a.file_name == b.file_name;
}

inline bool same_tasks(const std::vector<akool::image_task>& a, const std::vector<akool::image_task>& b)
{
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!same_task(a[i], b[i])) return false;
    return true;
}

} // namespace akool_fuzz

#endif
