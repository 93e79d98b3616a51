// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// bench/download-memory.sh: one image downloaded to memory, then the process's figures.
//   download_memory akool URL   akool::blocking_client::download (header-only)
//   download_memory curl URL    libcurl's easy interface, the body appended to a std::string by
//                               the write callback (the way libcurl's examples keep a body);
//                               built only with -DAKOOL_BENCH_CURL
//   download_memory url BASE    creates a 4k 16:9 image at the emulator BASE, waits, prints its URL
// Prints "bytes=N capacity=C" (the string's size and capacity); the script adds the peak RSS.
#include <cstdio>
#include <cstring>
#include <string>

#include <akool/blocking_client.hpp>
#ifdef AKOOL_BENCH_CURL
#include <curl/curl.h>
#endif

namespace {

#ifdef AKOOL_BENCH_CURL
std::size_t append(char* data, std::size_t size, std::size_t n, void* out)
{
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
}

bool curl_download(const char* url, std::string& body)
{
    CURL* h = curl_easy_init();
    if (!h) return false;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
    const bool ok = curl_easy_perform(h) == CURLE_OK;
    curl_easy_cleanup(h);
    return ok;
}
#endif

} // namespace

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: download_memory akool|curl URL, or download_memory url BASE_URL\n");
        return 2;
    }
    std::string body;
    if (std::strcmp(argv[1], "url") == 0) {
        akool::client_options opts;
        opts.base_url = argv[2];
        opts.api_key = "bench";
        akool::blocking_client client(opts);
        auto req = akool::image_request::text_to_image("a lighthouse");
        req.resolution = akool::image_resolution::k4;
        req.scale = akool::image_scale::ratio_16_9;
        akool::error_code ec;
        auto tasks = client.create(req, ec);
        akool::image_result r;
        if (!ec) r = client.wait(tasks.at(0).id, {}, ec);
        if (ec) {
            std::fprintf(stderr, "create or wait failed: %s\n", ec.message().c_str());
            return 1;
        }
        std::printf("%s\n", r.image_url.c_str());
        return 0;
    }
    if (std::strcmp(argv[1], "akool") == 0) {
        akool::blocking_client client;
        akool::error_code ec;
        body = client.download(argv[2], {}, ec);
        if (ec) {
            std::fprintf(stderr, "download failed: %s\n", ec.message().c_str());
            return 1;
        }
    } else {
#ifdef AKOOL_BENCH_CURL
        if (!curl_download(argv[2], body)) return 1;
#else
        std::fprintf(stderr, "built without libcurl\n");
        return 2;
#endif
    }
    std::printf("bytes=%zu capacity=%zu\n", body.size(), body.capacity());
    return 0;
}
