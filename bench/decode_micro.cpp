// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// Decode-only micro-benchmark of the create reply: akool::decode_create_response against
// simdjson's ondemand API reading the same 16 fields into the same image_task (as the peers'
// json_micro does). The two alternate: 7 rounds each time an akool loop then a simdjson loop
// of ITERS/2 decodes (the batch body a quarter of that); the times are the medians of the
// rounds and the ratio the median of the rounds' ratios, so that load that comes and goes on
// a shared machine hits both sides of a ratio alike.
// Built and run by bench/decode.sh; without <simdjson.h> only the akool row is printed.
// usage: akool-decode-micro [ITERS=200000] [FIXTURE_DIR=bench/data]
#include <akool/json.hpp>

#if __has_include(<simdjson.h>)
#include <simdjson.h>
#define AKOOL_BENCH_HAVE_SIMDJSON 1
#endif

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace {

using tasks = std::vector<akool::image_task>;

tasks decode_akool(const std::string& body)
{
    akool::error_code ec;
    akool::diagnostics diag;
    tasks t = akool::decode_create_response(body, ec, diag);
    if (ec) {
        std::fprintf(stderr, "akool: %s (%s)\n", ec.message().c_str(), diag.client_message.c_str());
        std::exit(1);
    }
    return t;
}

#ifdef AKOOL_BENCH_HAVE_SIMDJSON
simdjson::ondemand::parser sj_parser;

akool::image_task sj_task(simdjson::ondemand::object o)
{
    auto str = [&](const char* k) { return std::string(std::string_view(o[k].get_string())); };
    auto num = [&](const char* k) { return std::int64_t(o[k].get_int64()); };
    akool::image_task t;
    t.id = str("_id");
    t.uid = num("uid");
    t.team_id = str("team_id");
    t.create_time = num("create_time");
    t.prompt = str("prompt");
    t.origin_prompt = str("origin_prompt");
    t.source_image = str("source_image");
    t.status = static_cast<akool::image_status>(num("image_status"));
    t.sub_status = num("image_sub_status");
    t.deduction_credit = num("deduction_credit");
    t.model_name = str("model_name");
    t.provider = str("provider");
    t.type = num("type");
    t.from = num("from");
    t.sub_type = static_cast<akool::image_sub_type>(num("sub_type"));
    t.file_name = str("file_name");
    return t;
}

tasks decode_simdjson(const simdjson::padded_string& s)
{
    auto doc = sj_parser.iterate(s);
    if (std::int64_t(doc["code"]) != 1000) std::exit(1);
    std::string msg = std::string(std::string_view(doc["msg"]));  // as the peers decode it
    tasks r;
    simdjson::ondemand::value d = doc["data"];
    if (d.type() == simdjson::ondemand::json_type::array) {
        for (simdjson::ondemand::object o : d.get_array()) r.push_back(sj_task(o));
    } else {
        r.push_back(sj_task(d.get_object()));
    }
    return r;
}
#endif

std::string slurp(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        std::exit(2);
    }
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::int64_t checksum(const tasks& r)
{
    std::int64_t c = static_cast<std::int64_t>(r.size());
    for (const auto& t : r)
        c += t.create_time.value_or(0) + t.id.back() + static_cast<std::int64_t>(t.prompt.size()) +
             static_cast<std::int64_t>(t.file_name.size()) + static_cast<int>(t.sub_type.value_or(akool::image_sub_type{}));
    return c;
}

volatile std::int64_t sink;

// ns per decode of one timed loop of `iters` decodes.
double time_loop(long iters, const std::function<tasks()>& f)
{
    const auto t0 = std::chrono::steady_clock::now();
    std::int64_t acc = 0;
    for (long i = 0; i < iters; ++i) acc += checksum(f());
    sink = acc;
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() /
           static_cast<double>(iters);
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

void check(const char* name, const char* which, std::int64_t expect, const std::function<tasks()>& f)
{
    if (checksum(f()) != expect) {
        std::fprintf(stderr, "%s/%s: wrong decode\n", name, which);
        std::exit(1);
    }
}

void row(const char* name, const char* which, std::size_t bytes, double ns)
{
    std::printf("%-30s %-7s %6zu B %9.0f ns/op %8.1f MB/s\n", name, which, bytes, ns,
                static_cast<double>(bytes) / ns * 1e3);
}

constexpr int rounds = 7;  // each round times akool, then simdjson: their ratio is paired

} // namespace

int main(int argc, char** argv)
{
    const long iters = argc > 1 ? std::atol(argv[1]) : 200000;
    const std::string dir = argc > 2 ? argv[2] : "bench/data";
    std::printf("%-30s %-7s %8s %15s %13s   (median of %d rounds)\n", "decoder", "body", "size", "time",
                "throughput", rounds);
    std::string summary;
    for (const char* which : {"single", "batch4"}) {
        const std::string s = slurp(dir + (which[0] == 's' ? "/create.json" : "/create_batch4.json"));
        const long it = (which[0] == 's' ? iters : iters / 4) / 2;
        const std::int64_t expect = checksum(decode_akool(s));
        const std::function<tasks()> akool_f = [&] { return decode_akool(s); };
        check("akool", which, expect, akool_f);
        std::vector<double> a, b, ratio;
#ifdef AKOOL_BENCH_HAVE_SIMDJSON
        const simdjson::padded_string ps(s);
        const std::function<tasks()> simdjson_f = [&] { return decode_simdjson(ps); };
        check("simdjson", which, expect, simdjson_f);
#endif
        for (int r = 0; r < rounds; ++r) {
            a.push_back(time_loop(it, akool_f));
#ifdef AKOOL_BENCH_HAVE_SIMDJSON
            b.push_back(time_loop(it, simdjson_f));
            ratio.push_back(a.back() / b.back());
#endif
        }
        row("akool decode_create_response", which, s.size(), median(a));
        char part[112];
#ifdef AKOOL_BENCH_HAVE_SIMDJSON
        row("simdjson ondemand->image_task", which, s.size(), median(b));
        std::snprintf(part, sizeof part, "%s_ns=%.0f %s_simdjson_ns=%.0f %s_ratio=%.2f ", which, median(a), which,
                      median(b), which, median(ratio));
#else
        std::snprintf(part, sizeof part, "%s_ns=%.0f %s_simdjson_ns=n/a %s_ratio=n/a ", which, median(a), which, which);
#endif
        summary += part;
    }
    summary.pop_back();
    std::printf("%s\n", summary.c_str());
}
