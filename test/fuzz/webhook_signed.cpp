// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// Structure-aware webhook target: the fuzzer's bytes become the plaintext (or, one time in
// four, the raw ciphertext), which is encrypted with the test credentials, base64-encoded
// and signed as the service does, so that every input gets past the signature check and
// reaches decryption and the payload decoder. Invariants:
//  - a correctly signed callback never fails on its signature, base64 or credentials, nor
//    on its age (age check off); a negative timestamp is refused as webhook_bad_json;
//  - correctly encrypted plaintext never fails to decrypt;
//  - plaintext that is a JSON object with a string `_id` that is a task id (is_valid_task_id)
//    and an integer `status` within int verifies, with that id and status; a payload that
//    verifies is a JSON object with that string `_id`, a task id;
//  - with a replay guard, the second delivery of a callback that verified is a duplicate.

#include "fuzz_common.hpp"

#include <akool/webhook.hpp>
#include <akool/detail/base64.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <fuzzer/FuzzedDataProvider.h>
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>

using namespace akool;

namespace {

const client_credentials creds{"Ab12Cd34Ef56Gh78", "Zy98Xw76Vu54Ts32Rq10PoNm"};

// AES-192-CBC, PKCS#7 padding, the secret as key and the client id as IV: the service's
// encryption, written here with OpenSSL's EVP rather than taken from the library.
std::string encrypt(const std::string& plain)
{
    std::string out(plain.size() + 16, '\0');
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    int n1 = 0, n2 = 0;
    const bool ok =
        ctx &&
        EVP_EncryptInit_ex(ctx, EVP_aes_192_cbc(), nullptr,
                           reinterpret_cast<const unsigned char*>(creds.client_secret.data()),
                           reinterpret_cast<const unsigned char*>(creds.client_id.data())) == 1 &&
        EVP_EncryptUpdate(ctx, reinterpret_cast<unsigned char*>(&out[0]), &n1,
                          reinterpret_cast<const unsigned char*>(plain.data()), static_cast<int>(plain.size())) == 1 &&
        EVP_EncryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(&out[0]) + n1, &n2) == 1;
    EVP_CIPHER_CTX_free(ctx);
    AKOOL_FUZZ_CHECK(ok, "encryption failed");
    out.resize(static_cast<std::size_t>(n1 + n2));
    return out;
}

// The id and status of `plain` when it is what the decoder must accept; `has_id` when it is
// a JSON object with a string `_id`, set in `id`.
bool expected_payload(const std::string& plain, std::string& id, int& status, bool& has_id)
{
    has_id = false;
    boost::json::error_code ec;
    boost::json::value v = boost::json::parse(boost::json::string_view(plain.data(), plain.size()), ec);
    if (ec || !v.is_object()) return false;
    const boost::json::value* i = v.get_object().if_contains("_id");
    const boost::json::value* s = v.get_object().if_contains("status");
    if (!i || !i->is_string()) return false;
    has_id = true;
    id.assign(i->get_string().data(), i->get_string().size());
    if (!is_valid_task_id(id)) return false;  // refused as invalid_task_id
    if (!s) return false;
    std::int64_t n = 0;
    if (s->is_int64())
        n = s->get_int64();
    else if (s->is_uint64() && s->get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<int>::max()))
        n = static_cast<std::int64_t>(s->get_uint64());
    else
        return false;
    if (n < std::numeric_limits<int>::min() || n > std::numeric_limits<int>::max()) return false;
    status = static_cast<int>(n);
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    FuzzedDataProvider in(data, size);
    const bool raw_cipher = in.ConsumeIntegralInRange<int>(0, 3) == 0;
    const bool ts_as_string = in.ConsumeBool();
    const std::int64_t ts = in.ConsumeBool() ? in.ConsumeIntegral<std::int64_t>()
                                             : in.ConsumeIntegralInRange<std::int64_t>(0, 4102444800000);
    std::string nonce = in.ConsumeRandomLengthString(16);
    for (char& c : nonce) c = static_cast<char>('0' + static_cast<unsigned char>(c) % 10);  // JSON-safe
    const std::string plain = in.ConsumeRemainingBytesAsString();

    const std::string cipher = raw_cipher ? plain : encrypt(plain);
    const std::string data_encrypt = detail::base64_encode(cipher);
    const std::string ts_text = std::to_string(ts);

    boost::json::object outer;
    outer["signature"] = webhook_signature(creds.client_id, ts_text, nonce, data_encrypt);
    outer["dataEncrypt"] = data_encrypt;
    if (ts_as_string)
        outer["timestamp"] = ts_text;
    else
        outer["timestamp"] = ts;
    outer["nonce"] = nonce;
    const std::string body = boost::json::serialize(outer);

    webhook_options opts;
    opts.max_age = std::chrono::milliseconds(0);
    opts.replay_guard = std::make_shared<webhook_replay_guard>(4);
    error_code ec;
    webhook_payload p = verify_webhook(body, creds, opts, ec);

    AKOOL_FUZZ_CHECK(ec != make_error_code(error::webhook_bad_signature), "a signed callback: bad signature");
    AKOOL_FUZZ_CHECK(ec != make_error_code(error::webhook_bad_base64), "a signed callback: bad base64");
    AKOOL_FUZZ_CHECK(ec != make_error_code(error::webhook_bad_credentials), "a signed callback: bad credentials");
    AKOOL_FUZZ_CHECK(ec != make_error_code(error::webhook_stale), "stale with the age check off");
    if (ts < 0) {
        AKOOL_FUZZ_CHECK(ec == make_error_code(error::webhook_bad_json), "a negative timestamp accepted");
        return 0;
    }
    if (!raw_cipher) AKOOL_FUZZ_CHECK(ec != make_error_code(error::webhook_decrypt_failed), "encrypted, not decrypted");

    std::string id;
    int status = 0;
    bool has_id = false;
    const bool expected = !raw_cipher && expected_payload(plain, id, status, has_id);
    if (expected) {
        AKOOL_FUZZ_CHECK(!ec, "a valid payload refused");
        AKOOL_FUZZ_CHECK(p.id == id && static_cast<int>(p.status) == status, "the payload changed");
    }
    if (!ec) {
        if (!raw_cipher) AKOOL_FUZZ_CHECK(has_id && p.id == id, "a payload accepted without its string _id");
        AKOOL_FUZZ_CHECK(is_valid_task_id(p.id), "a payload accepted with an _id that is no task id");
        error_code again;
        verify_webhook(body, creds, opts, again);
        AKOOL_FUZZ_CHECK(again == make_error_code(error::webhook_duplicate), "a replay accepted");
    } else {
        AKOOL_FUZZ_CHECK(p.id.empty(), "a payload on failure");
    }
    return 0;
}
