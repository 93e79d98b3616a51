// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// The webhook body parser and verifier on any bytes (the credentials of
// test/data/webhook/vectors.txt, age check off). Invariants:
//  - verify_webhook(body) fails exactly as parse_webhook_body does, and otherwise as
//    verify_webhook(envelope) does, with the same payload;
//  - a callback that verifies carries the signature webhook_signature computes.

#include "fuzz_common.hpp"

#include <akool/webhook.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace akool;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    static const client_credentials creds{"Ab12Cd34Ef56Gh78", "Zy98Xw76Vu54Ts32Rq10PoNm"};
    webhook_options opts;
    opts.max_age = std::chrono::milliseconds(0);

    error_code parse_ec;
    webhook_envelope env = parse_webhook_body(body, parse_ec);
    error_code ec;
    webhook_payload p = verify_webhook(body, creds, opts, ec);
    if (parse_ec) {
        AKOOL_FUZZ_CHECK(ec == parse_ec, "verify and parse fail differently");
        AKOOL_FUZZ_CHECK(p.id.empty(), "a payload on failure");
        return 0;
    }
    error_code env_ec;
    webhook_payload q = verify_webhook(env, creds, opts, env_ec);
    AKOOL_FUZZ_CHECK(ec == env_ec, "verify(body) and verify(envelope) disagree");
    AKOOL_FUZZ_CHECK(p.id == q.id && p.status == q.status && p.type == q.type && p.url == q.url,
                     "verify(body) and verify(envelope) return different payloads");
    if (!ec) {
        std::string sig = env.signature;
        for (char& c : sig)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        AKOOL_FUZZ_CHECK(sig == webhook_signature(creds.client_id, env.timestamp, env.nonce, env.data_encrypt),
                         "a callback verified with a wrong signature");
    } else {
        AKOOL_FUZZ_CHECK(p.id.empty(), "a payload on failure");
    }
    return 0;
}
