// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_WEBHOOK_HPP
#define AKOOL_WEBHOOK_HPP

/// @file webhook.hpp
/// Verification and decryption of the service's webhook callbacks (requests with
/// `webhookurl` set), and the reverse operation for tests and emulators.
///
/// The service POSTs `{"signature", "dataEncrypt", "timestamp", "nonce"}`, where
///  - `signature` is the lowercase hex SHA-1 of the concatenation of the four strings
///    client id, timestamp (decimal), nonce and dataEncrypt, after sorting them bytewise;
///  - `dataEncrypt` is the base64 of the AES-CBC (PKCS#7 padding) encryption of a JSON
///    object `{"_id", "status", "type", "url"}`, with the client secret as key and the client
///    id as IV. The key size picks the cipher: a secret of 16, 24 or 32 bytes means AES-128,
///    AES-192 or AES-256 (the documentation's example is a 24-character secret; Akool's
///    webhook page also shows a 32-character one).
///
/// The IV rule: Akool's documentation gives the client id itself as the IV, with no
/// derivation, and an AES IV is 16 bytes; so a client id of 16 bytes is the IV, and with a
/// client id of any other length (Akool's pages also show ids of 22 and 24 characters) no
/// documented IV exists. Such credentials still check the signature, which takes a client id
/// of any length, and then fail with `webhook_bad_credentials`: nothing is guessed (a wrong IV
/// would silently garble the first block). `webhook_credentials_problem` names the sizes.
///
/// Note that the signature involves no secret, only the client id: it catches corruption and
/// edits by anyone who does not know the client id. What ties a callback to the account is
/// that its payload decrypts, with the secret, to the expected JSON. Keep both checks. The
/// sort also means the signature does not bind each string to its role (nonce and timestamp
/// can be swapped). So anyone who knows the client id can sign a captured callback anew, with
/// a fresh timestamp and nonce: the age check does not stop that replay. `webhook_replay_guard`
/// does, as it is keyed on the ciphertext, which a replay carries unchanged (another one that
/// decrypts to a valid payload takes the secret, or the attacks the next paragraph warns of).
///
/// Answer every failed check alike (same status, same body, as the example receiver's 401):
/// AES-CBC carries no MAC and anyone who knows the client id can sign a body, so a receiver
/// whose answer tells a padding failure (`webhook_decrypt_failed`) from a JSON one is a
/// padding oracle, through which a forger can decrypt a captured callback. Log the error on
/// your side only.
///
/// For the same reason a payload that decrypts is not proof that the service wrote it: CBC is
/// malleable, so a forger who edits a captured ciphertext (its last blocks, say) without the
/// secret gets one that, once in millions of tries, still decrypts to valid JSON with changed
/// bytes; each try is one request, and the 200 or 401 answer says which worked. Treat a
/// callback as a hint: confirm its status and URL with `get_result` before acting on it, and
/// limit the failed callbacks a sender may make.
///
/// The age check (`webhook_options::max_age`, 5 minutes) reads the callback's timestamp. If
/// the service resends a refused callback with its first timestamp, a resend later than that
/// is refused for good: answer 200 to what you accepted (a resend of it is then
/// `webhook_duplicate` with a replay guard), and poll with `get_result` for a task whose
/// callback never passed.
///
/// Uses OpenSSL (libcrypto) and Boost.JSON; the model, validator and JSON codec headers do
/// not include this one. No function here throws except the overloads documented as such,
/// and none crashes on any input.

#include <akool/config.hpp>
#include <akool/diagnostics.hpp>
#include <akool/error.hpp>
#include <akool/model.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace akool {

/// The outer JSON object of a callback, every field as the string the signature covers.
struct webhook_envelope {
    std::string signature;     ///< `signature`: 40 hex digits
    std::string data_encrypt;  ///< `dataEncrypt`: base64 ciphertext
    std::string timestamp;     ///< `timestamp`: milliseconds since the epoch, decimal
    std::string nonce;         ///< `nonce`
};

/// The decrypted content of a callback.
struct webhook_payload {
    std::string id;                                ///< `_id`, the task id
    image_status status = image_status::queueing;  ///< `status` (2, 3 or 4; others are kept)
    std::string type;                              ///< `type`; an integer is kept as its decimal text
    std::string url;                               ///< `url`: the result when completed; may be empty
};

/// Remembers the callbacks `verify_webhook` accepted, so that a second delivery of one (a
/// replay, or the service resending a callback whose answer it did not get) is recognised:
/// with `webhook_options::replay_guard` set, `verify_webhook` fails with `webhook_duplicate`
/// for a valid callback whose ciphertext (`dataEncrypt`) it accepted before. Answer such a
/// callback 200 and do not act on it again. Only fully verified callbacks are recorded, so
/// forged ones take no room.
///
/// The key is the ciphertext, not the signature: the signature takes no secret, so a replay
/// signed anew (another timestamp or nonce) would pass as new. The encryption is
/// deterministic (the IV is the client id), so the service's resend of one payload has one
/// ciphertext; base64 here accepts one encoding per byte string. A digest of it (SHA-256,
/// 32 bytes) is kept, whatever the callback's size.
///
/// An entry stays until `capacity` later callbacks are recorded, or it is forgotten: not
/// until its timestamp is past the age window, as a replay can carry a fresh timestamp. When
/// `capacity` entries are kept, the one recorded first goes. Every member is thread-safe;
/// share one guard between the threads of a receiver.
class webhook_replay_guard {
public:
    /// Keeps at most `capacity` callbacks (at least 1).
    explicit webhook_replay_guard(std::size_t capacity = 16384) : capacity_(capacity ? capacity : 1) {}
    webhook_replay_guard(const webhook_replay_guard&) = delete;
    webhook_replay_guard& operator=(const webhook_replay_guard&) = delete;

    /// Records the callback `env` carries (its `data_encrypt`), after dropping the one recorded
    /// first when `capacity` are kept. Returns false, changing nothing, when it is recorded
    /// already.
    AKOOL_DECL bool record(const webhook_envelope& env);

    /// Forgets the callback `env` carries, if recorded: for a callback that was accepted but
    /// could not be processed (answered other than 200), so that the service's resend of it
    /// is accepted.
    AKOOL_DECL void forget(const webhook_envelope& env);

    /// The number of callbacks recorded.
    AKOOL_DECL std::size_t size() const;

private:
    using by_order_map = std::map<std::uint64_t, std::string>;
    mutable std::mutex mtx_;
    std::size_t capacity_;
    std::uint64_t recorded_ = 0;                                     // callbacks recorded so far
    by_order_map by_order_;                                          // record number -> key
    std::unordered_map<std::string, by_order_map::iterator> by_key_;  // SHA-256 of data_encrypt
};

/// How `verify_webhook` judges a callback's age, and whether it has seen it before.
struct webhook_options {
    /// Largest accepted |now - timestamp|, in either direction (inclusive). Zero disables the
    /// age check; a negative value rejects every callback as stale.
    std::chrono::milliseconds max_age{std::chrono::minutes(5)};

    /// The current time in milliseconds since the epoch; empty means `std::chrono::system_clock`.
    std::function<std::int64_t()> now_ms;

    /// When set, a valid callback is recorded there, and one recorded before fails with
    /// `webhook_duplicate` (see `webhook_replay_guard`). Empty: no duplicate check.
    std::shared_ptr<webhook_replay_guard> replay_guard;
};

/// Parses a callback body into its envelope. `timestamp` may be a JSON integer or a string of
/// decimal digits, `nonce` a string or an integer; integers are converted to their decimal
/// text. Errors: `webhook_missing_field` when a field is absent or of another JSON type
/// (`signature` and `dataEncrypt` must be strings); `webhook_bad_json` when the body is not a
/// JSON object, when the timestamp is not a non-negative integer fitting in int64 (a string
/// must be decimal digits only), or when a numeric nonce is not an integer.
AKOOL_DECL webhook_envelope parse_webhook_body(std::string_view body, error_code& ec);

/// Same, `diag.client_message` saying which field failed and how ("callback body: nonce:
/// missing", "callback body: timestamp: a float, expected an integer (milliseconds)"). It
/// names fields and JSON types, never quotes the body.
AKOOL_DECL webhook_envelope parse_webhook_body(std::string_view body, error_code& ec, diagnostics& diag);

/// Throwing overload: throws `error_with_diagnostics` (a `boost::system::system_error`).
AKOOL_DECL webhook_envelope parse_webhook_body(std::string_view body);

/// Why `creds` cannot decrypt callbacks, naming the sizes got and expected ("the client id is
/// 22 bytes; as the AES-CBC IV it must be 16"); empty when they can (a client id of 16 bytes
/// and a secret of 16, 24 or 32). Never quotes the credentials themselves.
AKOOL_DECL std::string webhook_credentials_problem(const client_credentials& creds);

/// The lowercase hex SHA-1 signature the service computes for these four strings.
AKOOL_DECL std::string webhook_signature(std::string_view client_id, std::string_view timestamp,
                                         std::string_view nonce, std::string_view data_encrypt);

/// Verifies a callback body and returns its decrypted payload. Checks, in this order, each
/// failing with its own error: the body parses (see `parse_webhook_body`); the signature
/// matches, compared in constant time and case-insensitively, for a client id of any length
/// (`webhook_bad_signature`); the credentials have sizes AES-CBC can use, a 16-byte client id
/// and a 16, 24 or 32-byte secret (`webhook_bad_credentials`; the throwing overloads name the
/// sizes, as `webhook_credentials_problem` does); the timestamp is within `opts.max_age` of
/// the clock (`webhook_stale`); `dataEncrypt` is strict padded base64 (`webhook_bad_base64`);
/// it decrypts, with a whole number of blocks and valid padding (`webhook_decrypt_failed`);
/// the plaintext is a JSON object (`webhook_bad_json`); it has a string `_id` and a numeric
/// `status` (`webhook_missing_field`), the `_id` a task id, 1 to 64 characters of
/// `[A-Za-z0-9_-]` and not a Windows device name (`is_valid_task_id`; else `invalid_task_id`, so that a receiver never
/// looks up, or names a file after, "" or a path), the status an integer within `int`, an
/// integral float such as `3.0` included (`webhook_bad_json`); last, with
/// `opts.replay_guard` set, it was not accepted before (`webhook_duplicate`), and is recorded.
/// `type` may be a string or an integer; `url` is optional, and an optional field of another
/// JSON type is ignored. Nothing is decrypted before the signature has been checked.
/// On failure returns an empty payload.
AKOOL_DECL webhook_payload verify_webhook(std::string_view body, const client_credentials& creds,
                                          const webhook_options& opts, error_code& ec);

/// Same, `diag.client_message` naming the field or the check that failed ("payload _id:
/// missing", "dataEncrypt: not padded base64", the credentials' sizes) and `diag.task_id` the
/// callback's task once it is known. Log it on your side; answer the sender alike for every
/// failure (see the padding-oracle note above).
AKOOL_DECL webhook_payload verify_webhook(std::string_view body, const client_credentials& creds,
                                          const webhook_options& opts, error_code& ec, diagnostics& diag);

/// Same, for an envelope already parsed. A timestamp that is not a non-negative decimal
/// integer fitting in 64 bits fails with `webhook_bad_json`, after the signature check and
/// even when the age check is disabled.
AKOOL_DECL webhook_payload verify_webhook(const webhook_envelope& env, const client_credentials& creds,
                                          const webhook_options& opts, error_code& ec);

/// Same, with the diagnostics of the overload above.
AKOOL_DECL webhook_payload verify_webhook(const webhook_envelope& env, const client_credentials& creds,
                                          const webhook_options& opts, error_code& ec, diagnostics& diag);

/// Throwing overload: throws `error_with_diagnostics` (a `boost::system::system_error`).
AKOOL_DECL webhook_payload verify_webhook(std::string_view body, const client_credentials& creds,
                                          const webhook_options& opts);

/// Throwing overload: throws `error_with_diagnostics` (a `boost::system::system_error`).
AKOOL_DECL webhook_payload verify_webhook(const webhook_envelope& env, const client_credentials& creds,
                                          const webhook_options& opts);

/// Builds a callback body as the service sends it: `payload` encoded as JSON (`type` and
/// `url` left out when empty), encrypted, base64-encoded and signed; the timestamp is written
/// as a JSON integer and the nonce as a string. For tests and emulators. `verify_webhook`
/// refuses a negative `timestamp_ms` (`webhook_bad_json`). Fails with
/// `webhook_bad_credentials` when AES-CBC cannot use the credentials' sizes, and with
/// `webhook_decrypt_failed` if OpenSSL reports an error; returns an empty string on failure.
AKOOL_DECL std::string make_webhook_body(const webhook_payload& payload, const client_credentials& creds,
                                         std::int64_t timestamp_ms, std::string_view nonce, error_code& ec);

/// Same, `diag.client_message` saying which size the credentials got wrong, or that OpenSSL
/// could not encrypt the payload.
AKOOL_DECL std::string make_webhook_body(const webhook_payload& payload, const client_credentials& creds,
                                         std::int64_t timestamp_ms, std::string_view nonce, error_code& ec,
                                         diagnostics& diag);

/// Throwing overload: throws `error_with_diagnostics` (a `boost::system::system_error`).
AKOOL_DECL std::string make_webhook_body(const webhook_payload& payload, const client_credentials& creds,
                                         std::int64_t timestamp_ms, std::string_view nonce);

} // namespace akool

#ifdef AKOOL_HEADER_ONLY
#include <akool/impl/webhook.ipp>
#endif

#endif
