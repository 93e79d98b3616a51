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

// |now - ts| without overflow (the difference of two int64 always fits in uint64).
inline std::uint64_t webhook_skew(std::int64_t now, std::int64_t ts) noexcept
{
    auto un = static_cast<std::uint64_t>(now), ut = static_cast<std::uint64_t>(ts);
    return now >= ts ? un - ut : ut - un;
}

// |now - ts| <= max_age.
inline bool webhook_fresh(std::int64_t now, std::int64_t ts, std::chrono::milliseconds max_age) noexcept
{
    if (max_age.count() == 0) return true;
    if (max_age.count() < 0) return false;
    return webhook_skew(now, ts) <= static_cast<std::uint64_t>(max_age.count());
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

// Fails with `e`, `diag.client_message` saying which field or check failed.
inline void webhook_fail(error_code& ec, diagnostics& diag, error e, std::string what)
{
    ec = make_error_code(e);
    diag.client_message = std::move(what);
}

// "a string", "null", ...: what a field holds, for a message.
inline const char* json_kind_name(const boost::json::value& v) noexcept
{
    switch (v.kind()) {
    case boost::json::kind::null: return "null";
    case boost::json::kind::bool_: return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64: return "an integer";
    case boost::json::kind::double_: return "a float";
    case boost::json::kind::string: return "a string";
    case boost::json::kind::array: return "an array";
    case boost::json::kind::object: return "an object";
    }
    return "an unknown JSON value";
}

// `text` parsed into `jv` as one JSON object, else null after failing (webhook_bad_json),
// naming `what` ("callback body", "payload") and why.
inline const boost::json::object* parse_json_object(std::string_view text, const char* what, boost::json::value& jv,
                                                    error_code& ec, diagnostics& diag)
{
    boost::system::error_code jec;
    jv = boost::json::parse(boost::json::string_view(text.data(), text.size()), jec);
    if (jec) {
        webhook_fail(ec, diag, error::webhook_bad_json, std::string(what) + ": not valid JSON (" + jec.message() + ")");
        return nullptr;
    }
    if (!jv.is_object()) {
        webhook_fail(ec, diag, error::webhook_bad_json,
                     std::string(what) + ": " + json_kind_name(jv) + ", not a JSON object");
        return nullptr;
    }
    return &jv.get_object();
}

inline webhook_payload decode_webhook_payload(std::string_view plaintext, error_code& ec, diagnostics& diag)
{
    boost::json::value jv;
    const boost::json::object* obj = parse_json_object(plaintext, "payload", jv, ec, diag);
    if (!obj) return {};
    webhook_payload p;

    const boost::json::value* id = obj->if_contains("_id");
    if (!id || !id->is_string()) {
        webhook_fail(ec, diag, error::webhook_missing_field,
                     id ? std::string("payload _id: ") + json_kind_name(*id) + ", expected a string"
                        : std::string("payload _id: missing"));
        return {};
    }
    // The id a receiver looks a task up by, or names a file after: a task id, as the create
    // reply's decoder requires, never "" or a path.
    const std::string_view id_text(id->get_string().data(), id->get_string().size());
    if (!is_valid_task_id(id_text)) {
        webhook_fail(ec, diag, error::invalid_task_id,
                     id_text.empty() ? std::string("payload _id: empty")
                                     : "payload _id " + quote_task_id(id_text) + ": not " + std::string(task_id_rule));
        return {};
    }
    p.id = std::string(id_text);

    const boost::json::value* status = obj->if_contains("status");
    if (!status || !status->is_number()) {
        webhook_fail(ec, diag, error::webhook_missing_field,
                     status ? std::string("payload status: ") + json_kind_name(*status) + ", expected an integer"
                            : std::string("payload status: missing"));
        diag.task_id = p.id;
        return {};
    }
    std::int64_t s = 0;
    if (!json_integer(*status, s) || s < std::numeric_limits<int>::min() || s > std::numeric_limits<int>::max()) {
        webhook_fail(ec, diag, error::webhook_bad_json, "payload status: not an integer within int");
        diag.task_id = p.id;
        return {};
    }
    p.status = static_cast<image_status>(static_cast<int>(s));

    if (const boost::json::value* type = obj->if_contains("type")) {
        if (type->is_string())
            p.type = std::string(type->get_string());
        else if (type->is_int64() || type->is_uint64())
            p.type = json_integer_text(*type);
    }
    if (const boost::json::value* url = obj->if_contains("url"))
        if (url->is_string()) p.url = std::string(url->get_string());

    ec = {};
    return p;
}

} // namespace detail

AKOOL_DECL webhook_envelope parse_webhook_body(std::string_view body, error_code& ec, diagnostics& diag)
{
    diag.clear();
    boost::json::value jv;
    const boost::json::object* obj = detail::parse_json_object(body, "callback body", jv, ec, diag);
    if (!obj) return {};
    webhook_envelope env;

    // Each field present and of a type it may have, in the order of the documentation.
    struct field_rule {
        const char* name;
        bool number_ok;
        const boost::json::value* v;
    };
    const field_rule fields[] = {{"signature", false, obj->if_contains("signature")},
                                 {"dataEncrypt", false, obj->if_contains("dataEncrypt")},
                                 {"timestamp", true, obj->if_contains("timestamp")},
                                 {"nonce", true, obj->if_contains("nonce")}};
    for (const field_rule& f : fields)
        if (!f.v || !(f.v->is_string() || (f.number_ok && f.v->is_number()))) {
            detail::webhook_fail(ec, diag, error::webhook_missing_field,
                                 std::string("callback body: ") + f.name + ": " +
                                     (f.v ? std::string(detail::json_kind_name(*f.v)) + ", expected a string" +
                                                (f.number_ok ? " or an integer" : "")
                                          : std::string("missing")));
            return {};
        }
    const boost::json::value& ts = *fields[2].v;
    const boost::json::value& nonce = *fields[3].v;
    env.signature = std::string(fields[0].v->get_string());
    env.data_encrypt = std::string(fields[1].v->get_string());

    std::int64_t tsv = 0;
    if (ts.is_string()) {
        env.timestamp = std::string(ts.get_string());
        if (!detail::parse_webhook_timestamp(env.timestamp, tsv)) {
            detail::webhook_fail(ec, diag, error::webhook_bad_json,
                                 "callback body: timestamp: a string that is not 1 to 19 decimal digits within int64");
            return {};
        }
    } else {
        if (!detail::json_to_int64(ts, tsv) || tsv < 0) {
            detail::webhook_fail(ec, diag, error::webhook_bad_json,
                                 ts.is_double() ? "callback body: timestamp: a float, expected an integer (milliseconds)"
                                                : "callback body: timestamp: negative or over int64");
            return {};
        }
        env.timestamp = std::to_string(tsv);
    }

    if (nonce.is_string()) {
        env.nonce = std::string(nonce.get_string());
    } else if (nonce.is_int64() || nonce.is_uint64()) {
        env.nonce = detail::json_integer_text(nonce);
    } else {  // a double: no exact decimal text the sender could have signed
        detail::webhook_fail(ec, diag, error::webhook_bad_json,
                             "callback body: nonce: a float, expected a string or an integer (a float has no exact "
                             "text to sign)");
        return {};
    }
    ec = {};
    return env;
}

AKOOL_DECL webhook_envelope parse_webhook_body(std::string_view body, error_code& ec)
{
    diagnostics diag;
    return parse_webhook_body(body, ec, diag);
}

AKOOL_DECL webhook_envelope parse_webhook_body(std::string_view body)
{
    return detail::call_or_throw([&](error_code& ec, diagnostics& d) { return parse_webhook_body(body, ec, d); });
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
                                          const webhook_options& opts, error_code& ec, diagnostics& diag)
{
    diag.clear();
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
        detail::webhook_fail(ec, diag, error::webhook_bad_signature,
                             "signature: does not match the body's other fields and this client id");
        return {};
    }
    // The signature holds for any client id; decrypting needs the AES sizes.
    if (!detail::webhook_credentials_ok(creds)) {
        detail::webhook_fail(ec, diag, error::webhook_bad_credentials, webhook_credentials_problem(creds));
        return {};
    }

    std::int64_t ts = 0;
    if (!detail::parse_webhook_timestamp(env.timestamp, ts)) {
        detail::webhook_fail(ec, diag, error::webhook_bad_json,
                             "timestamp: not 1 to 19 decimal digits within int64");
        return {};
    }
    if (opts.max_age.count() != 0) {
        const std::int64_t now = detail::webhook_now_ms(opts);
        if (!detail::webhook_fresh(now, ts, opts.max_age)) {
            std::string what = "timestamp: ";
            if (opts.max_age.count() < 0)
                what += "every callback is refused (max_age is negative)";
            else
                what += std::string(ts > now ? "ahead of" : "behind") + " this clock by " +
                        std::to_string(detail::webhook_skew(now, ts)) + " ms, more than max_age (" +
                        std::to_string(opts.max_age.count()) + " ms)";
            detail::webhook_fail(ec, diag, error::webhook_stale, std::move(what));
            return {};
        }
    }

    std::string cipher;
    if (!detail::base64_decode(env.data_encrypt, cipher)) {
        detail::webhook_fail(ec, diag, error::webhook_bad_base64, "dataEncrypt: not padded base64");
        return {};
    }
    std::string plain;
    if (!detail::aes_cbc(false, cipher, creds, plain)) {
        detail::webhook_fail(ec, diag, error::webhook_decrypt_failed,
                             cipher.empty() || cipher.size() % 16 != 0
                                 ? "dataEncrypt: " + std::to_string(cipher.size()) +
                                       " bytes, not a whole number of 16-byte AES blocks"
                                 : std::string("dataEncrypt: does not decrypt with this client secret and id (bad "
                                               "padding)"));
        return {};
    }
    webhook_payload payload = detail::decode_webhook_payload(plain, ec, diag);
    if (ec) return {};
    if (opts.replay_guard && !opts.replay_guard->record(env)) {
        detail::webhook_fail(ec, diag, error::webhook_duplicate,
                             "a callback with this ciphertext (dataEncrypt) was accepted before");
        diag.task_id = payload.id;
        return {};
    }
    return payload;
}

AKOOL_DECL webhook_payload verify_webhook(const webhook_envelope& env, const client_credentials& creds,
                                          const webhook_options& opts, error_code& ec)
{
    diagnostics diag;
    return verify_webhook(env, creds, opts, ec, diag);
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
                                          const webhook_options& opts, error_code& ec, diagnostics& diag)
{
    webhook_envelope env = parse_webhook_body(body, ec, diag);
    if (ec) return {};
    return verify_webhook(env, creds, opts, ec, diag);
}

AKOOL_DECL webhook_payload verify_webhook(std::string_view body, const client_credentials& creds,
                                          const webhook_options& opts, error_code& ec)
{
    diagnostics diag;
    return verify_webhook(body, creds, opts, ec, diag);
}

AKOOL_DECL webhook_payload verify_webhook(std::string_view body, const client_credentials& creds,
                                          const webhook_options& opts)
{
    return detail::call_or_throw([&](error_code& ec, diagnostics& d) { return verify_webhook(body, creds, opts, ec, d); });
}

AKOOL_DECL webhook_payload verify_webhook(const webhook_envelope& env, const client_credentials& creds,
                                          const webhook_options& opts)
{
    return detail::call_or_throw([&](error_code& ec, diagnostics& d) { return verify_webhook(env, creds, opts, ec, d); });
}

AKOOL_DECL std::string make_webhook_body(const webhook_payload& payload, const client_credentials& creds,
                                         std::int64_t timestamp_ms, std::string_view nonce, error_code& ec,
                                         diagnostics& diag)
{
    diag.clear();
    if (!detail::webhook_credentials_ok(creds)) {
        ec = make_error_code(error::webhook_bad_credentials);
        diag.client_message = webhook_credentials_problem(creds);
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
        diag.client_message = "payload: OpenSSL could not encrypt it";
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
                                         std::int64_t timestamp_ms, std::string_view nonce, error_code& ec)
{
    diagnostics diag;
    return make_webhook_body(payload, creds, timestamp_ms, nonce, ec, diag);
}

AKOOL_DECL std::string make_webhook_body(const webhook_payload& payload, const client_credentials& creds,
                                         std::int64_t timestamp_ms, std::string_view nonce)
{
    return detail::call_or_throw(
        [&](error_code& ec, diagnostics& d) { return make_webhook_body(payload, creds, timestamp_ms, nonce, ec, d); });
}

} // namespace akool

#endif
