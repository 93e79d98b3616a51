// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_IMPL_WEBHOOK_IPP
#define AKOOL_IMPL_WEBHOOK_IPP

#include <akool/webhook.hpp>
#include <akool/detail/base64.hpp>
#include <akool/detail/json_integer.hpp>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <limits>
#include <memory>

namespace akool {
namespace detail {

inline constexpr std::size_t webhook_client_id_size = 16;      // AES-CBC IV
inline constexpr std::size_t webhook_signature_size = 40;      // hex SHA-1

struct evp_cipher_ctx_deleter {
    void operator()(EVP_CIPHER_CTX* p) const noexcept { EVP_CIPHER_CTX_free(p); }
};
using evp_cipher_ctx_ptr = std::unique_ptr<EVP_CIPHER_CTX, evp_cipher_ctx_deleter>;

// The AES-CBC cipher for a key of the client secret's length (16, 24 or 32 bytes), or null.
inline const EVP_CIPHER* webhook_cipher(std::size_t key_size) noexcept
{
    switch (key_size) {
    case 16: return EVP_aes_128_cbc();
    case 24: return EVP_aes_192_cbc();
    case 32: return EVP_aes_256_cbc();
    default: return nullptr;
    }
}

inline bool webhook_credentials_ok(const client_credentials& creds) noexcept
{
    return creds.client_id.size() == webhook_client_id_size && webhook_cipher(creds.client_secret.size()) != nullptr;
}

inline const unsigned char* as_bytes(std::string_view s) noexcept
{
    return reinterpret_cast<const unsigned char*>(s.data());
}

// AES-CBC with PKCS#7 padding, AES-128, 192 or 256 by the secret's length, the client id as
// the IV (the credentials' sizes are checked before). Returns false on any OpenSSL failure,
// including a ciphertext that is not a whole number of blocks or whose padding is wrong.
inline bool aes_cbc(bool encrypt, std::string_view in, const client_credentials& creds, std::string& out)
{
    out.clear();
    constexpr std::size_t block = 16;
    if (in.size() > static_cast<std::size_t>(INT_MAX) - 2 * block) return false;
    if (!encrypt && (in.empty() || in.size() % block != 0)) return false;
    evp_cipher_ctx_ptr ctx(EVP_CIPHER_CTX_new());
    if (!ctx) return false;
    const EVP_CIPHER* cipher = webhook_cipher(creds.client_secret.size());
    if (!cipher || creds.client_id.size() != webhook_client_id_size) return false;
    const unsigned char* key = as_bytes(creds.client_secret);
    const unsigned char* iv = as_bytes(creds.client_id);
    int ok = encrypt ? EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, key, iv)
                     : EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, key, iv);
    if (ok != 1) return false;
    out.resize(in.size() + block);
    auto* dst = reinterpret_cast<unsigned char*>(&out[0]);
    int n1 = 0, n2 = 0;
    const int in_len = static_cast<int>(in.size());
    ok = encrypt ? EVP_EncryptUpdate(ctx.get(), dst, &n1, as_bytes(in), in_len)
                 : EVP_DecryptUpdate(ctx.get(), dst, &n1, as_bytes(in), in_len);
    if (ok != 1 || n1 < 0) {
        out.clear();
        return false;
    }
    ok = encrypt ? EVP_EncryptFinal_ex(ctx.get(), dst + n1, &n2) : EVP_DecryptFinal_ex(ctx.get(), dst + n1, &n2);
    if (ok != 1 || n2 < 0) {
        out.clear();
        return false;
    }
    out.resize(static_cast<std::size_t>(n1) + static_cast<std::size_t>(n2));
    return true;
}

// A string of 1 to 19 decimal digits whose value fits in int64.
inline bool parse_webhook_timestamp(std::string_view text, std::int64_t& value) noexcept
{
    if (text.empty() || text.size() > 19) return false;
    for (char c : text)
        if (c < '0' || c > '9') return false;
    auto res = std::from_chars(text.data(), text.data() + text.size(), value);
    return res.ec == std::errc() && res.ptr == text.data() + text.size();
}

// Reads a JSON integer (int64 or uint64 kind) as int64; false when out of range or not one.
inline bool json_to_int64(const boost::json::value& v, std::int64_t& out) noexcept
{
    if (v.is_int64()) {
        out = v.get_int64();
        return true;
    }
    if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        out = static_cast<std::int64_t>(v.get_uint64());
        return true;
    }
    return false;
}

inline std::string json_integer_text(const boost::json::value& v)
{
    return v.is_uint64() ? std::to_string(v.get_uint64()) : std::to_string(v.get_int64());
}

inline std::int64_t webhook_now_ms(const webhook_options& opts)
{
    if (opts.now_ms) return opts.now_ms();
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// |now - ts| <= max_age without overflow (the difference of two int64 always fits in uint64).
inline bool webhook_fresh(std::int64_t now, std::int64_t ts, std::chrono::milliseconds max_age) noexcept
{
    if (max_age.count() == 0) return true;
    if (max_age.count() < 0) return false;
    auto un = static_cast<std::uint64_t>(now), ut = static_cast<std::uint64_t>(ts);
    std::uint64_t diff = now >= ts ? un - ut : ut - un;
    return diff <= static_cast<std::uint64_t>(max_age.count());
}

// The replay guard's key for a callback: the SHA-256 of its ciphertext as sent (one base64
// encoding per byte string is accepted), 32 bytes; the ciphertext itself should the digest
// fail.
inline std::string webhook_replay_key(const webhook_envelope& env)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (EVP_Digest(env.data_encrypt.data(), env.data_encrypt.size(), md, &md_len, EVP_sha256(), nullptr) != 1)
        return env.data_encrypt;
    return std::string(reinterpret_cast<const char*>(md), md_len);
}

inline webhook_payload decode_webhook_payload(std::string_view plaintext, error_code& ec)
{
    boost::system::error_code jec;
    boost::json::value jv = boost::json::parse(boost::json::string_view(plaintext.data(), plaintext.size()), jec);
    if (jec || !jv.is_object()) {
        ec = make_error_code(error::webhook_bad_json);
        return {};
    }
    const boost::json::object& obj = jv.get_object();
    webhook_payload p;

    const boost::json::value* id = obj.if_contains("_id");
    if (!id || !id->is_string()) {
        ec = make_error_code(error::webhook_missing_field);
        return {};
    }
    p.id = std::string(id->get_string());

    const boost::json::value* status = obj.if_contains("status");
    if (!status || !status->is_number()) {
        ec = make_error_code(error::webhook_missing_field);
        return {};
    }
    std::int64_t s = 0;
    if (!json_integer(*status, s) || s < std::numeric_limits<int>::min() || s > std::numeric_limits<int>::max()) {
        ec = make_error_code(error::webhook_bad_json);
        return {};
    }
    p.status = static_cast<image_status>(static_cast<int>(s));

    if (const boost::json::value* type = obj.if_contains("type")) {
        if (type->is_string())
            p.type = std::string(type->get_string());
        else if (type->is_int64() || type->is_uint64())
            p.type = json_integer_text(*type);
    }
    if (const boost::json::value* url = obj.if_contains("url"))
        if (url->is_string()) p.url = std::string(url->get_string());

    ec = {};
    return p;
}

inline void throw_if(const error_code& ec)
{
    if (ec) boost::throw_exception(boost::system::system_error(ec));
}

// Same; a credentials error names the sizes (webhook_credentials_problem).
inline void throw_if(const error_code& ec, const client_credentials& creds)
{
    if (ec == error::webhook_bad_credentials)
        boost::throw_exception(boost::system::system_error(ec, webhook_credentials_problem(creds)));
    throw_if(ec);
}

} // namespace detail

AKOOL_DECL webhook_envelope parse_webhook_body(std::string_view body, error_code& ec)
{
    boost::system::error_code jec;
    boost::json::value jv = boost::json::parse(boost::json::string_view(body.data(), body.size()), jec);
    if (jec || !jv.is_object()) {
        ec = make_error_code(error::webhook_bad_json);
        return {};
    }
    const boost::json::object& obj = jv.get_object();
    webhook_envelope env;

    const boost::json::value* sig = obj.if_contains("signature");
    const boost::json::value* data = obj.if_contains("dataEncrypt");
    const boost::json::value* ts = obj.if_contains("timestamp");
    const boost::json::value* nonce = obj.if_contains("nonce");
    if (!sig || !sig->is_string() || !data || !data->is_string() || !ts || !(ts->is_string() || ts->is_number()) ||
        !nonce || !(nonce->is_string() || nonce->is_number())) {
        ec = make_error_code(error::webhook_missing_field);
        return {};
    }
    env.signature = std::string(sig->get_string());
    env.data_encrypt = std::string(data->get_string());

    std::int64_t tsv = 0;
    if (ts->is_string()) {
        env.timestamp = std::string(ts->get_string());
        if (!detail::parse_webhook_timestamp(env.timestamp, tsv)) {
            ec = make_error_code(error::webhook_bad_json);
            return {};
        }
    } else {
        if (!detail::json_to_int64(*ts, tsv) || tsv < 0) {
            ec = make_error_code(error::webhook_bad_json);
            return {};
        }
        env.timestamp = std::to_string(tsv);
    }

    if (nonce->is_string()) {
        env.nonce = std::string(nonce->get_string());
    } else if (nonce->is_int64() || nonce->is_uint64()) {
        env.nonce = detail::json_integer_text(*nonce);
    } else {  // a double: no exact decimal text the sender could have signed
        ec = make_error_code(error::webhook_bad_json);
        return {};
    }
    ec = {};
    return env;
}

AKOOL_DECL webhook_envelope parse_webhook_body(std::string_view body)
{
    error_code ec;
    webhook_envelope env = parse_webhook_body(body, ec);
    detail::throw_if(ec);
    return env;
}

AKOOL_DECL std::string webhook_signature(std::string_view client_id, std::string_view timestamp,
                                         std::string_view nonce, std::string_view data_encrypt)
{
    std::array<std::string_view, 4> parts{client_id, timestamp, nonce, data_encrypt};
    std::sort(parts.begin(), parts.end());  // bytewise, as std::sort of std::string
    std::string joined;
    joined.reserve(client_id.size() + timestamp.size() + nonce.size() + data_encrypt.size());
    for (std::string_view p : parts) joined.append(p.data(), p.size());

    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (EVP_Digest(joined.data(), joined.size(), md, &md_len, EVP_sha1(), nullptr) != 1) return {};
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * md_len);
    for (unsigned int i = 0; i < md_len; ++i) {
        out.push_back(hex[md[i] >> 4]);
        out.push_back(hex[md[i] & 0x0f]);
    }
    return out;
}

AKOOL_DECL std::string webhook_credentials_problem(const client_credentials& creds)
{
    std::string out;
    if (!detail::webhook_cipher(creds.client_secret.size()))
        out = "the client secret is " + std::to_string(creds.client_secret.size()) +
              " bytes; AES-CBC needs 16, 24 or 32 (AES-128, 192 or 256)";
    if (creds.client_id.size() != detail::webhook_client_id_size) {
        if (!out.empty()) out += "; ";
        out += "the client id is " + std::to_string(creds.client_id.size()) +
               " bytes; as the AES-CBC IV it must be 16";
    }
    return out;
}

AKOOL_DECL webhook_payload verify_webhook(const webhook_envelope& env, const client_credentials& creds,
                                          const webhook_options& opts, error_code& ec)
{
    // Signature, case-insensitive and in constant time over the 40 digits. The length and
    // the case folding depend only on the (public) received value, never on the secret one.
    const std::string expected = webhook_signature(creds.client_id, env.timestamp, env.nonce, env.data_encrypt);
    std::array<char, detail::webhook_signature_size> received{};
    bool sig_ok = expected.size() == detail::webhook_signature_size &&
                  env.signature.size() == detail::webhook_signature_size;
    if (sig_ok) {
        for (std::size_t i = 0; i < received.size(); ++i) received[i] = detail::ascii_lower(env.signature[i]);
        sig_ok = CRYPTO_memcmp(received.data(), expected.data(), received.size()) == 0;
    }
    if (!sig_ok) {
        ec = make_error_code(error::webhook_bad_signature);
        return {};
    }
    // The signature holds for any client id; decrypting needs the AES sizes.
    if (!detail::webhook_credentials_ok(creds)) {
        ec = make_error_code(error::webhook_bad_credentials);
        return {};
    }

    std::int64_t ts = 0;
    if (!detail::parse_webhook_timestamp(env.timestamp, ts)) {
        ec = make_error_code(error::webhook_bad_json);
        return {};
    }
    if (opts.max_age.count() != 0 && !detail::webhook_fresh(detail::webhook_now_ms(opts), ts, opts.max_age)) {
        ec = make_error_code(error::webhook_stale);
        return {};
    }

    std::string cipher;
    if (!detail::base64_decode(env.data_encrypt, cipher)) {
        ec = make_error_code(error::webhook_bad_base64);
        return {};
    }
    std::string plain;
    if (!detail::aes_cbc(false, cipher, creds, plain)) {
        ec = make_error_code(error::webhook_decrypt_failed);
        return {};
    }
    webhook_payload payload = detail::decode_webhook_payload(plain, ec);
    if (ec) return {};
    if (opts.replay_guard && !opts.replay_guard->record(env)) {
        ec = make_error_code(error::webhook_duplicate);
        return {};
    }
    return payload;
}

AKOOL_DECL bool webhook_replay_guard::record(const webhook_envelope& env)
{
    std::string key = detail::webhook_replay_key(env);
    std::lock_guard<std::mutex> lock(mtx_);
    if (by_key_.count(key)) return false;
    while (by_order_.size() >= capacity_) {
        by_key_.erase(by_order_.begin()->second);
        by_order_.erase(by_order_.begin());
    }
    // Both maps or neither: should the second insertion throw, the first is undone.
    struct undo_on_exit {
        by_order_map& map;
        by_order_map::iterator it;
        bool armed = true;
        ~undo_on_exit()
        {
            if (armed) map.erase(it);
        }
    } undo{by_order_, by_order_.emplace_hint(by_order_.end(), recorded_, key)};
    by_key_.emplace(std::move(key), undo.it);
    undo.armed = false;
    ++recorded_;
    return true;
}

AKOOL_DECL void webhook_replay_guard::forget(const webhook_envelope& env)
{
    const std::string key = detail::webhook_replay_key(env);
    std::lock_guard<std::mutex> lock(mtx_);
    auto it = by_key_.find(key);
    if (it == by_key_.end()) return;
    by_order_.erase(it->second);
    by_key_.erase(it);
}

AKOOL_DECL std::size_t webhook_replay_guard::size() const
{
    std::lock_guard<std::mutex> lock(mtx_);
    return by_key_.size();
}

AKOOL_DECL webhook_payload verify_webhook(std::string_view body, const client_credentials& creds,
                                          const webhook_options& opts, error_code& ec)
{
    webhook_envelope env = parse_webhook_body(body, ec);
    if (ec) return {};
    return verify_webhook(env, creds, opts, ec);
}

AKOOL_DECL webhook_payload verify_webhook(std::string_view body, const client_credentials& creds,
                                          const webhook_options& opts)
{
    error_code ec;
    webhook_payload p = verify_webhook(body, creds, opts, ec);
    detail::throw_if(ec, creds);
    return p;
}

AKOOL_DECL webhook_payload verify_webhook(const webhook_envelope& env, const client_credentials& creds,
                                          const webhook_options& opts)
{
    error_code ec;
    webhook_payload p = verify_webhook(env, creds, opts, ec);
    detail::throw_if(ec, creds);
    return p;
}

AKOOL_DECL std::string make_webhook_body(const webhook_payload& payload, const client_credentials& creds,
                                         std::int64_t timestamp_ms, std::string_view nonce, error_code& ec)
{
    if (!detail::webhook_credentials_ok(creds)) {
        ec = make_error_code(error::webhook_bad_credentials);
        return {};
    }
    boost::json::object inner;
    inner["_id"] = payload.id;
    inner["status"] = static_cast<int>(payload.status);
    if (!payload.type.empty()) inner["type"] = payload.type;
    if (!payload.url.empty()) inner["url"] = payload.url;
    const std::string plain = boost::json::serialize(inner);

    std::string cipher;
    if (!detail::aes_cbc(true, plain, creds, cipher)) {
        ec = make_error_code(error::webhook_decrypt_failed);
        return {};
    }
    const std::string data = detail::base64_encode(cipher);
    const std::string ts = std::to_string(timestamp_ms);

    boost::json::object outer;
    outer["signature"] = webhook_signature(creds.client_id, ts, nonce, data);
    outer["dataEncrypt"] = data;
    outer["timestamp"] = timestamp_ms;
    outer["nonce"] = boost::json::string_view(nonce.data(), nonce.size());
    ec = {};
    return boost::json::serialize(outer);
}

AKOOL_DECL std::string make_webhook_body(const webhook_payload& payload, const client_credentials& creds,
                                         std::int64_t timestamp_ms, std::string_view nonce)
{
    error_code ec;
    std::string body = make_webhook_body(payload, creds, timestamp_ms, nonce, ec);
    detail::throw_if(ec, creds);
    return body;
}

} // namespace akool

#endif
