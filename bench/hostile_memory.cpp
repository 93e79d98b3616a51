// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// The memory a hostile API reply costs to decode: one reply of the given size, built in
// memory, decoded once; prints the peak RSS the decode added. Run by bench/hostile-memory.sh,
// one process per figure.
//
//   hostile_memory CASE MIB DECODER
//     CASE: create_zeros   {"code":1000,"data":[0,0,...]}            (create reply)
//           create_dup_ids {"code":1000,"data":[{"_id":"a",...} x N]} (create reply, one id N times)
//           result_urls    {"code":1000,"data":{...,"upscaled_urls":["","",...]}} (result reply)
//     DECODER: akool (decode_create_response / decode_result_response) or nlohmann
//              (nlohmann::json::parse of the same body, as the curl + nlohmann peer does)
#include <akool/json_decode.hpp>
#include <akool/impl/diagnostics.ipp>
#include <akool/impl/error.ipp>
#include <akool/impl/json_decode.ipp>
#include <akool/impl/validate.ipp>

#if __has_include(<nlohmann/json.hpp>)
#include <nlohmann/json.hpp>
#define AKOOL_BENCH_HAVE_NLOHMANN 1
#endif

#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

long peak_rss_kib()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

std::string build(const std::string& kind, std::size_t bytes)
{
    std::string head, elt, tail;
    if (kind == "create_zeros") {
        head = R"({"code":1000,"msg":"OK","data":[)", elt = "0", tail = "]}";
    } else if (kind == "create_dup_ids") {
        head = R"({"code":1000,"msg":"OK","data":[)", elt = R"({"_id":"a","image_status":1})", tail = "]}";
    } else if (kind == "result_urls") {
        head = R"({"code":1000,"msg":"OK","data":{"_id":"a","image_status":3,"image":"https://x.test/a.png",)"
               R"("upscaled_urls":[)";
        elt = R"("")";
        tail = "]}}";
    } else {
        return {};
    }
    std::string body = head + elt;
    body.reserve(bytes + elt.size() + tail.size());
    while (body.size() + 1 + elt.size() + tail.size() <= bytes) body.append(",").append(elt);
    return body + tail;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 4) {
        std::fprintf(stderr, "usage: hostile_memory CASE MIB akool|nlohmann\n");
        return 2;
    }
    const std::string kind = argv[1], decoder = argv[3];
    const std::string body = build(kind, static_cast<std::size_t>(std::atol(argv[2])) << 20);
    if (body.empty()) {
        std::fprintf(stderr, "hostile_memory: unknown case %s\n", kind.c_str());
        return 2;
    }
    const long before = peak_rss_kib();
    std::string outcome;
    if (decoder == "akool") {
        akool::error_code ec;
        akool::diagnostics diag;
        if (kind == "result_urls") {
            auto r = akool::decode_result_response(body, ec, diag);
            outcome = std::to_string(r.upscaled_urls.size()) + " urls";
        } else {
            auto tasks = akool::decode_create_response(body, ec, diag);
            outcome = std::to_string(tasks.size()) + " tasks";
        }
        outcome += ec ? ", " + diag.client_message : ", ok";
    } else if (decoder == "nlohmann") {
#ifdef AKOOL_BENCH_HAVE_NLOHMANN
        auto j = nlohmann::json::parse(body, nullptr, false);
        outcome = j.is_discarded() ? "not JSON" : "parsed";
#else
        std::printf("n/a\n");
        return 0;
#endif
    } else {
        std::fprintf(stderr, "hostile_memory: unknown decoder %s\n", decoder.c_str());
        return 2;
    }
    // The body itself is held before and after: the figure is what decoding added.
    std::printf("%.1f\n", static_cast<double>(peak_rss_kib() - before) / 1024.0);
    std::fprintf(stderr, "%s %s MiB %s: %s\n", kind.c_str(), argv[2], decoder.c_str(), outcome.c_str());
    return 0;
}
