// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// The webhook test vectors of test/data/webhook/vectors.txt, made by the openssl command line
// tool (make_vectors.sh there), read for the unit and the CLI tests. Blocks of `key: value`
// lines separated by an empty line; `#` starts a comment line.
#ifndef AKOOL_TEST_WEBHOOK_VECTORS_HPP
#define AKOOL_TEST_WEBHOOK_VECTORS_HPP

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

namespace akool_test {

inline const std::string webhook_vectors_path =
    std::string(AKOOL_TEST_SOURCE_DIR) + "/test/data/webhook/vectors.txt";

struct webhook_vector {
    std::string name, client_id, client_secret, nonce, plaintext, id, type, url, body;
    std::int64_t timestamp = 0;
    int status = 0;
    std::size_t plaintext_bytes = 0;
};

inline std::ostream& operator<<(std::ostream& os, const webhook_vector& v) { return os << v.name; }

inline std::vector<webhook_vector> load_webhook_vectors()
{
    std::vector<webhook_vector> out;
    std::ifstream in(webhook_vectors_path, std::ios::binary);
    webhook_vector cur;
    auto flush = [&] {
        if (!cur.name.empty()) out.push_back(cur);
        cur = webhook_vector{};
    };
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) {
            flush();
            continue;
        }
        if (line[0] == '#') continue;
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string key = line.substr(0, colon);
        std::string value = line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.erase(0, 1);
        if (key == "name") cur.name = value;
        else if (key == "client_id") cur.client_id = value;
        else if (key == "client_secret") cur.client_secret = value;
        else if (key == "timestamp") cur.timestamp = std::stoll(value);
        else if (key == "nonce") cur.nonce = value;
        else if (key == "plaintext_bytes") cur.plaintext_bytes = std::stoul(value);
        else if (key == "plaintext") cur.plaintext = value;
        else if (key == "id") cur.id = value;
        else if (key == "status") cur.status = std::stoi(value);
        else if (key == "type") cur.type = value;
        else if (key == "url") cur.url = value;
        else if (key == "body") cur.body = value;
    }
    flush();
    return out;
}

/// The vectors, read once.
inline const std::vector<webhook_vector>& webhook_vectors()
{
    static const std::vector<webhook_vector> v = load_webhook_vectors();
    return v;
}

} // namespace akool_test

#endif
