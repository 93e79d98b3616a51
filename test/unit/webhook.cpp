// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#define BOOST_TEST_MODULE webhook
#include <boost/test/unit_test.hpp>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <akool/detail/base64.hpp>
#include <akool/webhook.hpp>

#include "webhook_vectors.hpp"

#include <openssl/evp.h>

#include <boost/system/system_error.hpp>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <memory>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace bdata = boost::unit_test::data;
using akool::client_credentials;
using akool::error;
using akool::error_code;
using akool::webhook_envelope;
using akool::webhook_options;
using akool::webhook_payload;

namespace akool {
// Printers for Boost.Test messages.
inline std::ostream& operator<<(std::ostream& os, error e) { return os << make_error_code(e).message(); }
inline std::ostream& operator<<(std::ostream& os, image_status s) { return os << static_cast<int>(s); }
inline std::ostream& operator<<(std::ostream& os, const webhook_payload& p)
{
    return os << "{id " << p.id.size() << " bytes, status " << static_cast<int>(p.status) << "}";
}
} // namespace akool

namespace {
// A JSON text and the error it must produce.
struct error_case {
    std::string text;
    error expected;
    std::string detail = {};  // the start of diagnostics::client_message, when given
};
std::ostream& operator<<(std::ostream& os, const error_case& c) { return os << c.text; }

// now - timestamp (ms) and whether a 5-minute window accepts it.
struct window_case {
    std::int64_t age;
    bool accepted;
};
std::ostream& operator<<(std::ostream& os, const window_case& c) { return os << "age " << c.age; }
} // namespace

namespace {

const std::string& vectors_path = akool_test::webhook_vectors_path;
const std::string script_path = std::string(AKOOL_TEST_SOURCE_DIR) + "/test/data/webhook/make_vectors.sh";

// One callback made by test/data/webhook/make_vectors.sh (openssl enc + sha1sum).
using akool_test::webhook_vector;

std::string read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

const std::vector<webhook_vector>& vectors() { return akool_test::webhook_vectors(); }

// The first vector: a completed callback with the default credentials.
const webhook_vector& base() { return vectors().at(0); }

client_credentials creds_of(const webhook_vector& v) { return {v.client_id, v.client_secret}; }

webhook_options clock_at(std::int64_t now, std::chrono::milliseconds max_age = std::chrono::minutes(5))
{
    webhook_options o;
    o.max_age = max_age;
    o.now_ms = [now] { return now; };
    return o;
}

// An envelope whose signature is correct for `data` (what the service would send).
webhook_envelope signed_envelope(const client_credentials& c, std::string ts, std::string nonce, std::string data)
{
    webhook_envelope e;
    e.signature = akool::webhook_signature(c.client_id, ts, nonce, data);
    e.timestamp = std::move(ts);
    e.nonce = std::move(nonce);
    e.data_encrypt = std::move(data);
    return e;
}

// The dataEncrypt for an arbitrary plaintext: AES-CBC with PKCS#7 padding, the cipher by the
// secret's size, the client id as the IV. Through OpenSSL here: the library's detail::aes_cbc is
// in impl/webhook.ipp, which a compiled-mode TU does not see (the vectors test the library's
// encryption against the openssl tool).
std::string encrypt_for(const client_credentials& c, const std::string& plaintext)
{
    const std::size_t key = c.client_secret.size();
    const EVP_CIPHER* cipher = key == 16 ? EVP_aes_128_cbc()
                             : key == 24 ? EVP_aes_192_cbc()
                             : key == 32 ? EVP_aes_256_cbc()
                                         : nullptr;
    BOOST_REQUIRE(cipher != nullptr);
    BOOST_REQUIRE(c.client_id.size() == 16u);
    std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
    auto bytes = [](const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); };
    BOOST_REQUIRE(ctx != nullptr);
    BOOST_REQUIRE(EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, bytes(c.client_secret), bytes(c.client_id)) == 1);
    std::string out(plaintext.size() + 16, '\0');
    auto* dst = reinterpret_cast<unsigned char*>(&out[0]);
    int n1 = 0, n2 = 0;
    BOOST_REQUIRE(EVP_EncryptUpdate(ctx.get(), dst, &n1, bytes(plaintext), static_cast<int>(plaintext.size())) == 1);
    BOOST_REQUIRE(EVP_EncryptFinal_ex(ctx.get(), dst + n1, &n2) == 1);
    out.resize(static_cast<std::size_t>(n1 + n2));
    return akool::detail::base64_encode(out);
}

webhook_envelope base_envelope()
{
    error_code ec;
    webhook_envelope e = akool::parse_webhook_body(base().body, ec);
    BOOST_REQUIRE(!ec);
    return e;
}

bool is_empty(const webhook_payload& p)
{
    return p.id.empty() && p.type.empty() && p.url.empty() && p.status == akool::image_status::queueing;
}

} // namespace

BOOST_AUTO_TEST_SUITE(webhook)

// ---- The independent vectors ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(vectors_file_is_complete)
{
    const auto& v = vectors();
    BOOST_TEST_REQUIRE(v.size() == 8u);
    std::set<std::string> names;
    std::set<int> statuses;
    bool full_pad = false, unicode = false, numeric_nonce = false;
    std::set<std::size_t> secret_sizes;
    for (const auto& x : v) {
        names.insert(x.name);
        statuses.insert(x.status);
        BOOST_TEST(x.plaintext.size() == x.plaintext_bytes);
        BOOST_TEST(x.client_id.size() == 16u);
        secret_sizes.insert(x.client_secret.size());
        if (x.plaintext.size() % 16 == 0) full_pad = true;
        for (char c : x.url)
            if (static_cast<unsigned char>(c) >= 0x80) unicode = true;
        if (x.body.find("\"nonce\":\"") == std::string::npos) numeric_nonce = true;
    }
    BOOST_TEST(names.size() == v.size());
    BOOST_TEST((statuses == std::set<int>{2, 3, 4}));
    BOOST_TEST(full_pad);
    BOOST_TEST(unicode);
    BOOST_TEST(numeric_nonce);
    BOOST_TEST((secret_sizes == std::set<std::size_t>{16, 24, 32}), "AES-128, 192 and 256");
}

BOOST_DATA_TEST_CASE(vector_verifies_and_decodes, bdata::make(vectors()), v)
{
    error_code ec;
    webhook_payload p = akool::verify_webhook(v.body, creds_of(v), clock_at(v.timestamp), ec);
    BOOST_TEST_REQUIRE(!ec, ec.message());
    BOOST_TEST(p.id == v.id);
    BOOST_TEST(static_cast<int>(p.status) == v.status);
    BOOST_TEST(p.type == v.type);
    BOOST_TEST(p.url == v.url);

    // The envelope carries the strings the signature covers, whatever their JSON type.
    webhook_envelope env = akool::parse_webhook_body(v.body, ec);
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST(env.timestamp == std::to_string(v.timestamp));
    BOOST_TEST(env.nonce == v.nonce);
    BOOST_TEST(akool::webhook_signature(v.client_id, env.timestamp, env.nonce, env.data_encrypt) == env.signature);

    // The throwing overloads agree.
    webhook_payload q;
    BOOST_CHECK_NO_THROW(q = akool::verify_webhook(env, creds_of(v), clock_at(v.timestamp)));
    BOOST_TEST(q.id == v.id);
    BOOST_TEST(q.url == v.url);
}

// make_webhook_body encrypts and signs exactly as the openssl command line did, for every
// vector whose plaintext is the library's own serialisation (the integer `type` one is not).
BOOST_DATA_TEST_CASE(make_webhook_body_matches_openssl, bdata::make(vectors()), v)
{
    if (!v.type.empty() && v.type[0] >= '0' && v.type[0] <= '9') return;
    webhook_payload p{v.id, static_cast<akool::image_status>(v.status), v.type, v.url};
    error_code ec;
    std::string body = akool::make_webhook_body(p, creds_of(v), v.timestamp, v.nonce, ec);
    BOOST_TEST_REQUIRE(!ec);
    webhook_envelope mine = akool::parse_webhook_body(body, ec);
    BOOST_TEST_REQUIRE(!ec);
    webhook_envelope theirs = akool::parse_webhook_body(v.body, ec);
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST(mine.data_encrypt == theirs.data_encrypt);
    BOOST_TEST(mine.signature == theirs.signature);
    BOOST_TEST(mine.timestamp == theirs.timestamp);
    BOOST_TEST(mine.nonce == theirs.nonce);
}

// When the openssl tool is available, the committed vectors are what the script produces.
BOOST_AUTO_TEST_CASE(vectors_regenerate_identically)
{
    if (std::system("command -v openssl >/dev/null 2>&1 && command -v sha1sum >/dev/null 2>&1") != 0) {
        BOOST_TEST_MESSAGE("openssl or sha1sum not on PATH: regeneration not checked");
        return;
    }
    const std::string out = std::string(AKOOL_TEST_BINARY_DIR) + "/webhook_vectors_regenerated.txt";
    const std::string cmd = "sh '" + script_path + "' > '" + out + "'";
    BOOST_TEST_REQUIRE(std::system(cmd.c_str()) == 0);
    BOOST_TEST(read_file(out) == read_file(vectors_path));
}

// ---- Signature -----------------------------------------------------------------------------

BOOST_DATA_TEST_CASE(flipped_signature_digit_is_rejected, bdata::xrange(40), pos)
{
    webhook_envelope e = base_envelope();
    char& c = e.signature[static_cast<std::size_t>(pos)];
    c = (c == '0') ? '1' : '0';
    error_code ec;
    webhook_payload p = akool::verify_webhook(e, creds_of(base()), clock_at(base().timestamp), ec);
    BOOST_TEST(ec == error::webhook_bad_signature);
    BOOST_TEST(is_empty(p));
}

BOOST_AUTO_TEST_CASE(signature_case_is_ignored)
{
    webhook_envelope e = base_envelope();
    for (char& c : e.signature)
        if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
    error_code ec;
    webhook_payload p = akool::verify_webhook(e, creds_of(base()), clock_at(base().timestamp), ec);
    BOOST_TEST(!ec);
    BOOST_TEST(p.id == base().id);
}

BOOST_DATA_TEST_CASE(signature_of_wrong_shape_is_rejected,
                     bdata::make(std::vector<std::string>{"", "0", "39", "41", "80", "nonhex", "spaces"}), kind)
{
    webhook_envelope e = base_envelope();
    const std::string good = e.signature;
    if (kind == "") e.signature.clear();
    else if (kind == "0") e.signature = std::string(40, '0');
    else if (kind == "39") e.signature = good.substr(0, 39);
    else if (kind == "41") e.signature = good + "0";
    else if (kind == "80") e.signature = good + good;
    else if (kind == "nonhex") e.signature = std::string(40, 'g');
    else e.signature = " " + good.substr(0, 39);
    error_code ec;
    akool::verify_webhook(e, creds_of(base()), clock_at(base().timestamp), ec);
    BOOST_TEST(ec == error::webhook_bad_signature);
}

BOOST_AUTO_TEST_CASE(each_signed_field_is_covered)
{
    const auto c = creds_of(base());
    const auto now = clock_at(base().timestamp);
    error_code ec;
    webhook_envelope e = base_envelope();
    e.nonce += "1";
    akool::verify_webhook(e, c, now, ec);
    BOOST_TEST(ec == error::webhook_bad_signature);

    e = base_envelope();
    e.timestamp = std::to_string(base().timestamp + 1);
    akool::verify_webhook(e, c, now, ec);
    BOOST_TEST(ec == error::webhook_bad_signature);

    // The signature hashes the *sorted* strings, so it does not bind their roles: swapping
    // nonce and timestamp keeps it valid. The age check still catches this replay.
    e = base_envelope();
    std::swap(e.nonce, e.timestamp);
    BOOST_TEST(akool::webhook_signature(c.client_id, e.timestamp, e.nonce, e.data_encrypt) == e.signature);
    akool::verify_webhook(e, c, now, ec);
    BOOST_TEST(ec == error::webhook_stale);
}

// One base64 character changed in the body: the signature no longer matches.
BOOST_DATA_TEST_CASE(tampered_ciphertext_fails_signature, bdata::make(std::vector<std::size_t>{0, 10, 60, 100}), pos)
{
    webhook_envelope e = base_envelope();
    BOOST_TEST_REQUIRE(pos < e.data_encrypt.size() - 4);
    char& c = e.data_encrypt[pos];
    c = (c == 'A') ? 'B' : 'A';
    error_code ec;
    akool::verify_webhook(e, creds_of(base()), clock_at(base().timestamp), ec);
    BOOST_TEST(ec == error::webhook_bad_signature);

    // Same change with the signature recomputed (someone who knows the client id): the
    // payload no longer decrypts to valid JSON, or its padding breaks.
    webhook_envelope s = signed_envelope(creds_of(base()), e.timestamp, e.nonce, e.data_encrypt);
    webhook_payload p = akool::verify_webhook(s, creds_of(base()), clock_at(base().timestamp), ec);
    BOOST_TEST((ec == error::webhook_bad_json || ec == error::webhook_decrypt_failed), ec.message());
    BOOST_TEST(is_empty(p));
}

// A change in the last cipher block breaks the PKCS#7 padding check.
BOOST_AUTO_TEST_CASE(tampered_last_block_fails_padding)
{
    webhook_envelope e = base_envelope();
    std::string cipher;
    BOOST_TEST_REQUIRE(akool::detail::base64_decode(e.data_encrypt, cipher));
    cipher[cipher.size() - 1] = static_cast<char>(cipher[cipher.size() - 1] ^ 0x5a);
    webhook_envelope s =
        signed_envelope(creds_of(base()), e.timestamp, e.nonce, akool::detail::base64_encode(cipher));
    error_code ec;
    akool::verify_webhook(s, creds_of(base()), clock_at(base().timestamp), ec);
    BOOST_TEST(ec == error::webhook_decrypt_failed);
}

// ---- Credentials ---------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(wrong_secret_fails_decryption)
{
    // The signature does not involve the secret: it passes, and decryption then fails.
    client_credentials c = creds_of(base());
    c.client_secret[0] = static_cast<char>(c.client_secret[0] == 'x' ? 'y' : 'x');
    error_code ec;
    webhook_payload p = akool::verify_webhook(base().body, c, clock_at(base().timestamp), ec);
    BOOST_TEST((ec == error::webhook_decrypt_failed || ec == error::webhook_bad_json), ec.message());
    BOOST_TEST(is_empty(p));
}

BOOST_AUTO_TEST_CASE(wrong_client_id_fails)
{
    client_credentials c = creds_of(base());
    c.client_id[0] = static_cast<char>(c.client_id[0] ^ 0x03);
    error_code ec;
    akool::verify_webhook(base().body, c, clock_at(base().timestamp), ec);
    BOOST_TEST(ec == error::webhook_bad_signature);

    // Re-signed for the wrong id: CBC with the wrong IV garbles only the first block, so the
    // padding survives and the JSON ('{' became 'x') does not.
    webhook_envelope e = base_envelope();
    webhook_envelope s = signed_envelope(c, e.timestamp, e.nonce, e.data_encrypt);
    akool::verify_webhook(s, c, clock_at(base().timestamp), ec);
    BOOST_TEST(ec == error::webhook_bad_json);
}

// Sizes AES-CBC cannot use: the signature is judged first (any client id length), then the
// sizes are refused, naming what was got and expected.
BOOST_DATA_TEST_CASE(credentials_of_unusable_sizes_are_refused_after_the_signature,
                     bdata::make(std::vector<std::size_t>{0, 15, 16, 17, 22, 24, 32}) *
                         bdata::make(std::vector<std::size_t>{0, 15, 16, 23, 24, 25, 32, 33}),
                     id_len, secret_len)
{
    const bool usable = id_len == 16 && (secret_len == 16 || secret_len == 24 || secret_len == 32);
    client_credentials c{std::string(id_len, 'i'), std::string(secret_len, 's')};
    const webhook_envelope e = base_envelope();
    error_code ec;
    // Signed for this client id: the signature holds.
    webhook_envelope s = signed_envelope(c, e.timestamp, e.nonce, e.data_encrypt);
    akool::verify_webhook(s, c, clock_at(base().timestamp), ec);
    if (usable)
        BOOST_TEST(ec != error::webhook_bad_credentials);  // decrypts (wrongly: another key) or fails later
    else
        BOOST_TEST(ec == error::webhook_bad_credentials, ec.message());
    // Signed for another id: a bad signature, whatever the sizes.
    akool::verify_webhook(base().body, c, clock_at(base().timestamp), ec);
    BOOST_TEST(ec == error::webhook_bad_signature);

    const std::string problem = akool::webhook_credentials_problem(c);
    BOOST_TEST(problem.empty() == usable, problem);
    if (secret_len != 16 && secret_len != 24 && secret_len != 32)
        BOOST_TEST(problem.find("the client secret is " + std::to_string(secret_len) +
                                " bytes; AES-CBC needs 16, 24 or 32") != std::string::npos, problem);
    if (id_len != 16)
        BOOST_TEST(problem.find("the client id is " + std::to_string(id_len) + " bytes; as the AES-CBC IV it must be 16") !=
                       std::string::npos, problem);
    if (!usable) {
        BOOST_TEST(problem.find(std::string(3, 's')) == std::string::npos, "never the secret: " << problem);
        BOOST_CHECK_EXCEPTION(akool::verify_webhook(s, c, clock_at(base().timestamp)), boost::system::system_error,
                              [&](const boost::system::system_error& x) {
                                  return x.code() == error::webhook_bad_credentials &&
                                         std::string(x.what()).find(problem) != std::string::npos;
                              });
    }
    std::string body = akool::make_webhook_body(webhook_payload{"x", akool::image_status::completed, "", ""}, c, 1, "n", ec);
    BOOST_TEST((ec == error::webhook_bad_credentials) == !usable);
    BOOST_TEST(body.empty() == !usable);
    akool::diagnostics made;  // the diagnostics form says which size is wrong (and clears them first)
    made.client_message = "left from an earlier call";
    BOOST_TEST(akool::make_webhook_body(webhook_payload{"x", akool::image_status::completed, "", ""}, c, 1, "n", ec,
                                        made) == body);
    BOOST_TEST(made.client_message == problem);
    if (usable) BOOST_TEST(akool::verify_webhook(body, c, clock_at(1)).id == "x");
}

// Akool's example: a 22-character client id. The signature, from sha1sum over the sorted
// strings (independent of the library), matches; decryption is refused by size.
BOOST_AUTO_TEST_CASE(client_id_of_22_characters_checks_the_signature)
{
    const client_credentials c{"Xy12Ab34Cd56Ef78Gh90Ij", "nmwUjMAK0PJpl0MOiXLOOOwZADm0gkLo"};
    BOOST_TEST(akool::webhook_signature(c.client_id, "1710757981609", "1529", "AAAAAAAAAAAAAAAAAAAAAA==") ==
               "7d8773595008d43a98e2f7e65cf77de87d00c64e");
    const std::string body = R"({"signature":"7D8773595008D43A98E2F7E65CF77DE87D00C64E",)"
                             R"("dataEncrypt":"AAAAAAAAAAAAAAAAAAAAAA==","timestamp":1710757981609,"nonce":"1529"})";
    error_code ec;
    akool::verify_webhook(body, c, clock_at(1710757981609), ec);
    BOOST_TEST(ec == error::webhook_bad_credentials);
    akool::verify_webhook(body, client_credentials{"Xy12Ab34Cd56Ef78Gh90Ik", c.client_secret}, clock_at(1710757981609), ec);
    BOOST_TEST(ec == error::webhook_bad_signature);
}

BOOST_AUTO_TEST_CASE(secret_size_picks_the_cipher)
{
    // The same payload under a 16, 24 and 32-byte secret: three different ciphertexts, each
    // decrypting only with its own key.
    const webhook_payload p{"t", akool::image_status::completed, "image", "https://e.example/x.png"};
    std::set<std::string> seen;
    for (std::size_t n : {16u, 24u, 32u}) {
        client_credentials c{"Ab12Cd34Ef56Gh78", std::string(n, 'k')};
        std::string body = akool::make_webhook_body(p, c, 5, "n");
        seen.insert(akool::parse_webhook_body(body).data_encrypt);
        BOOST_TEST(akool::verify_webhook(body, c, clock_at(5)).url == p.url);
        client_credentials other{c.client_id, std::string(n, 'j')};
        error_code ec;
        akool::verify_webhook(body, other, clock_at(5), ec);
        BOOST_TEST(ec, "a wrong key of the same size must not decrypt to the payload");
    }
    BOOST_TEST(seen.size() == 3u);
}

BOOST_AUTO_TEST_CASE(status_as_an_integral_float)
{
    // "status": 3.0 is read as 3; a fraction is not a status.
    client_credentials c = creds_of(base());
    error_code ec;
    webhook_envelope e = signed_envelope(c, "9", "n", encrypt_for(c, R"({"_id":"f","status":3.0})"));
    webhook_payload p = akool::verify_webhook(e, c, clock_at(9), ec);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST((p.status == akool::image_status::completed));
    e = signed_envelope(c, "9", "n", encrypt_for(c, R"({"_id":"f","status":3.5})"));
    akool::verify_webhook(e, c, clock_at(9), ec);
    BOOST_TEST(ec == error::webhook_bad_json);
}

// ---- Timestamp window ----------------------------------------------------------------------

// (now - timestamp in ms, accepted?) with max_age = 5 minutes.
const std::vector<window_case> window_cases = {
    {0, true},          {1, true},           {-1, true},          {300000, true},
    {-300000, true},    {300001, false},     {-300001, false},    {86400000, false},
    {-86400000, false},
};

BOOST_DATA_TEST_CASE(window_boundaries, bdata::make(window_cases), c)
{
    error_code ec;
    webhook_payload p =
        akool::verify_webhook(base().body, creds_of(base()), clock_at(base().timestamp + c.age), ec);
    if (c.accepted) {
        BOOST_TEST(!ec, ec.message());
        BOOST_TEST(p.id == base().id);
    } else {
        BOOST_TEST(ec == error::webhook_stale);
        BOOST_TEST(is_empty(p));
    }
}

BOOST_AUTO_TEST_CASE(window_of_custom_size)
{
    error_code ec;
    const auto ts = base().timestamp;
    akool::verify_webhook(base().body, creds_of(base()), clock_at(ts + 1000, std::chrono::seconds(1)), ec);
    BOOST_TEST(!ec);
    akool::verify_webhook(base().body, creds_of(base()), clock_at(ts + 1001, std::chrono::seconds(1)), ec);
    BOOST_TEST(ec == error::webhook_stale);
    akool::verify_webhook(base().body, creds_of(base()), clock_at(ts - 1001, std::chrono::seconds(1)), ec);
    BOOST_TEST(ec == error::webhook_stale);
}

BOOST_AUTO_TEST_CASE(zero_max_age_disables_the_check)
{
    error_code ec;
    const std::int64_t nows[] = {0, base().timestamp + std::int64_t{10} * 365 * 86400000,
                                 std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()};
    for (std::int64_t now : nows) {
        webhook_payload p =
            akool::verify_webhook(base().body, creds_of(base()), clock_at(now, std::chrono::milliseconds(0)), ec);
        BOOST_TEST(!ec);
        BOOST_TEST(p.id == base().id);
    }
}

BOOST_AUTO_TEST_CASE(negative_max_age_rejects_everything)
{
    error_code ec;
    akool::verify_webhook(base().body, creds_of(base()), clock_at(base().timestamp, std::chrono::milliseconds(-1)), ec);
    BOOST_TEST(ec == error::webhook_stale);
}

BOOST_AUTO_TEST_CASE(default_clock_is_the_system_clock)
{
    // The vectors date from 2023-2024: with the real clock and the default 5 minutes they are
    // stale, and a body made for "now" is fresh.
    error_code ec;
    akool::verify_webhook(base().body, creds_of(base()), webhook_options{}, ec);
    BOOST_TEST(ec == error::webhook_stale);

    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    std::string body = akool::make_webhook_body(webhook_payload{"live", akool::image_status::completed, "image", "https://a.example/x.png"},
                                                creds_of(base()), now, "n1", ec);
    BOOST_TEST_REQUIRE(!ec);
    webhook_payload p = akool::verify_webhook(body, creds_of(base()), webhook_options{}, ec);
    BOOST_TEST(!ec);
    BOOST_TEST(p.id == "live");
}

BOOST_AUTO_TEST_CASE(extreme_clock_values_do_not_overflow)
{
    const auto c = creds_of(base());
    error_code ec;
    webhook_envelope e = signed_envelope(c, "9223372036854775807", "n", base_envelope().data_encrypt);
    akool::verify_webhook(e, c, clock_at(std::numeric_limits<std::int64_t>::min()), ec);
    BOOST_TEST(ec == error::webhook_stale);
    e = signed_envelope(c, "0", "n", base_envelope().data_encrypt);
    akool::verify_webhook(e, c, clock_at(std::numeric_limits<std::int64_t>::max()), ec);
    BOOST_TEST(ec == error::webhook_stale);
    akool::verify_webhook(e, c, clock_at(0), ec);
    BOOST_TEST(!ec);
}

BOOST_DATA_TEST_CASE(malformed_timestamp_in_envelope_is_bad_json,
                     bdata::make(std::vector<std::string>{"", "abc", "-5", "+5", "1.5", "1e12", " 17", "17 ",
                                                          "9223372036854775808", "99999999999999999999"}),
                     ts)
{
    const auto c = creds_of(base());
    error_code ec;
    webhook_envelope e = signed_envelope(c, ts, "n", base_envelope().data_encrypt);
    akool::verify_webhook(e, c, clock_at(base().timestamp), ec);
    BOOST_TEST(ec == error::webhook_bad_json);
    // ... even with the age check disabled.
    akool::verify_webhook(e, c, clock_at(base().timestamp, std::chrono::milliseconds(0)), ec);
    BOOST_TEST(ec == error::webhook_bad_json);
    // A bad signature is reported first.
    e.signature[0] = e.signature[0] == '0' ? '1' : '0';
    akool::verify_webhook(e, c, clock_at(base().timestamp), ec);
    BOOST_TEST(ec == error::webhook_bad_signature);
}

// ---- Order of the checks -------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(checks_run_in_the_documented_order)
{
    const auto c = creds_of(base());
    const auto stale = clock_at(base().timestamp + 3600000);
    error_code ec;

    // Bad signature and stale: the signature is reported.
    webhook_envelope e = base_envelope();
    e.signature[5] = e.signature[5] == 'a' ? 'b' : 'a';
    akool::verify_webhook(e, c, stale, ec);
    BOOST_TEST(ec == error::webhook_bad_signature);

    // Stale and bad base64: stale is reported (nothing is decoded for an old callback).
    e = signed_envelope(c, std::to_string(base().timestamp), "n", "not base64!");
    akool::verify_webhook(e, c, stale, ec);
    BOOST_TEST(ec == error::webhook_stale);
    akool::verify_webhook(e, c, clock_at(base().timestamp), ec);
    BOOST_TEST(ec == error::webhook_bad_base64);

    // Bad JSON body beats bad credentials.
    akool::verify_webhook("{", client_credentials{}, stale, ec);
    BOOST_TEST(ec == error::webhook_bad_json);
}

// ---- Base64 --------------------------------------------------------------------------------

BOOST_DATA_TEST_CASE(truncated_base64, bdata::make(std::vector<std::size_t>{1, 2, 3, 4, 5, 16, 128}), drop)
{
    const auto c = creds_of(base());
    std::string data = base_envelope().data_encrypt;
    BOOST_TEST_REQUIRE(drop <= data.size());
    data.resize(data.size() - drop);
    error_code ec;
    webhook_payload p = akool::verify_webhook(signed_envelope(c, std::to_string(base().timestamp), "n", data), c,
                                              clock_at(base().timestamp), ec);
    if (drop % 4 != 0)
        BOOST_TEST(ec == error::webhook_bad_base64);
    else  // valid base64, but not whole cipher blocks (or nothing at all)
        BOOST_TEST(ec == error::webhook_decrypt_failed);
    BOOST_TEST(is_empty(p));
}

BOOST_AUTO_TEST_CASE(empty_base64_is_not_a_ciphertext)
{
    const auto c = creds_of(base());
    error_code ec;
    akool::verify_webhook(signed_envelope(c, "5", "n", ""), c, clock_at(5), ec);
    BOOST_TEST(ec == error::webhook_decrypt_failed);
}

BOOST_DATA_TEST_CASE(non_base64_characters,
                     bdata::make(std::vector<std::string>{"*", " ", "\n", "\r", "-", "_", "=", ".", "\xc3", std::string(1, '\0')}),
                     bad)
{
    const auto c = creds_of(base());
    std::string data = base_envelope().data_encrypt;
    data.replace(20, 1, bad);
    error_code ec;
    akool::verify_webhook(signed_envelope(c, std::to_string(base().timestamp), "n", data), c,
                          clock_at(base().timestamp), ec);
    BOOST_TEST(ec == error::webhook_bad_base64);
    // Four inserted rather than one replaced (MIME line breaks, say): the length stays a
    // multiple of 4, so only the alphabet check can catch it.
    data = base_envelope().data_encrypt;
    for (int i = 0; i < 4; ++i) data.insert(static_cast<std::size_t>(16 * (i + 1)), bad);
    akool::verify_webhook(signed_envelope(c, std::to_string(base().timestamp), "n", data), c,
                          clock_at(base().timestamp), ec);
    BOOST_TEST(ec == error::webhook_bad_base64);
}

BOOST_AUTO_TEST_CASE(base64_rfc4648_vectors)
{
    const std::vector<std::pair<std::string, std::string>> v = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"}, {std::string("\xff\xfe\x00", 3), "//4A"}, {"\xfb\xff", "+/8="}};
    for (const auto& [plain, enc] : v) {
        BOOST_TEST(akool::detail::base64_encode(plain) == enc);
        std::string out = "junk";
        BOOST_TEST(akool::detail::base64_decode(enc, out));
        BOOST_TEST(out == plain);
    }
}

BOOST_AUTO_TEST_CASE(base64_round_trips_every_length)
{
    std::string in;
    for (int n = 0; n < 70; ++n) {
        std::string enc = akool::detail::base64_encode(in);
        BOOST_TEST(enc.size() % 4 == 0u);
        std::string out;
        BOOST_TEST(akool::detail::base64_decode(enc, out));
        BOOST_TEST(out == in);
        in.push_back(static_cast<char>((n * 37 + 11) & 0xff));
    }
}

BOOST_DATA_TEST_CASE(base64_rejects,
                     bdata::make(std::vector<std::string>{"Zg", "Zg=", "Zm8", "Zg===", "====", "=Zg=", "Z=g=", "Zg==Zg==",
                                                          "Zh==", "Zm9=", "Zm8=\n", " Zm8=", "Zm-8", "Zm_8", "Zm8=="}),
                     enc)
{
    std::string out = "junk";
    BOOST_TEST(!akool::detail::base64_decode(enc, out));
    BOOST_TEST(out.empty());
}

// ---- Envelope parsing ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(envelope_accepts_documented_spellings)
{
    error_code ec;
    webhook_envelope e = akool::parse_webhook_body(
        R"({"signature":"s","dataEncrypt":"d","timestamp":1710757981609,"nonce":"1529","extra":[1]})", ec);
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST(e.signature == "s");
    BOOST_TEST(e.data_encrypt == "d");
    BOOST_TEST(e.timestamp == "1710757981609");
    BOOST_TEST(e.nonce == "1529");

    e = akool::parse_webhook_body(R"({"nonce":-7,"timestamp":"0001","dataEncrypt":"","signature":""})", ec);
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST(e.timestamp == "0001");  // kept exactly as signed
    BOOST_TEST(e.nonce == "-7");
    BOOST_TEST(e.data_encrypt.empty());

    e = akool::parse_webhook_body(R"({"nonce":18446744073709551615,"timestamp":9223372036854775807,"dataEncrypt":"","signature":""})", ec);
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST(e.nonce == "18446744073709551615");
    BOOST_TEST(e.timestamp == "9223372036854775807");
}

const std::vector<error_case> bad_envelopes = {
    {"", error::webhook_bad_json, "callback body: not valid JSON ("},
    {"   ", error::webhook_bad_json},
    {"{", error::webhook_bad_json},
    {"null", error::webhook_bad_json, "callback body: null, not a JSON object"},
    {"[]", error::webhook_bad_json, "callback body: an array, not a JSON object"},
    {"\"x\"", error::webhook_bad_json},
    {R"({"signature":"s","dataEncrypt":"d","timestamp":1,"nonce":"n"} trailing)", error::webhook_bad_json},
    {R"({"dataEncrypt":"d","timestamp":1,"nonce":"n"})", error::webhook_missing_field, "callback body: signature: missing"},
    {R"({"signature":"s","timestamp":1,"nonce":"n"})", error::webhook_missing_field, "callback body: dataEncrypt: missing"},
    {R"({"signature":"s","dataEncrypt":"d","nonce":"n"})", error::webhook_missing_field, "callback body: timestamp: missing"},
    {R"({"signature":"s","dataEncrypt":"d","timestamp":1})", error::webhook_missing_field, "callback body: nonce: missing"},
    {R"({})", error::webhook_missing_field},
    {R"({"signature":5,"dataEncrypt":"d","timestamp":1,"nonce":"n"})", error::webhook_missing_field,
     "callback body: signature: an integer, expected a string"},
    {R"({"signature":"s","dataEncrypt":null,"timestamp":1,"nonce":"n"})", error::webhook_missing_field},
    {R"({"signature":"s","dataEncrypt":"d","timestamp":true,"nonce":"n"})", error::webhook_missing_field,
     "callback body: timestamp: a boolean, expected a string or an integer"},
    {R"({"signature":"s","dataEncrypt":"d","timestamp":1,"nonce":["n"]})", error::webhook_missing_field},
    {R"({"signature":"s","dataEncrypt":"d","timestamp":1,"nonce":null})", error::webhook_missing_field,
     "callback body: nonce: null, expected a string or an integer"},
    {R"({"signature":"s","dataEncrypt":"d","timestamp":-1,"nonce":"n"})", error::webhook_bad_json,
     "callback body: timestamp: negative or over int64"},
    {R"({"signature":"s","dataEncrypt":"d","timestamp":1.5,"nonce":"n"})", error::webhook_bad_json,
     "callback body: timestamp: a float, expected an integer"},
    {R"({"signature":"s","dataEncrypt":"d","timestamp":1e12,"nonce":"n"})", error::webhook_bad_json},
    {R"({"signature":"s","dataEncrypt":"d","timestamp":18446744073709551615,"nonce":"n"})", error::webhook_bad_json},
    {R"({"signature":"s","dataEncrypt":"d","timestamp":"","nonce":"n"})", error::webhook_bad_json},
    {R"({"signature":"s","dataEncrypt":"d","timestamp":"12a","nonce":"n"})", error::webhook_bad_json,
     "callback body: timestamp: a string that is not 1 to 19 decimal digits"},
    {R"({"signature":"s","dataEncrypt":"d","timestamp":"-12","nonce":"n"})", error::webhook_bad_json},
    {R"({"signature":"s","dataEncrypt":"d","timestamp":1,"nonce":1.5})", error::webhook_bad_json,
     "callback body: nonce: a float, expected a string or an integer"},
};

BOOST_DATA_TEST_CASE(bad_envelopes_are_rejected, bdata::make(bad_envelopes), c)
{
    error_code ec;
    webhook_envelope e = akool::parse_webhook_body(c.text, ec);
    BOOST_TEST(ec == c.expected, c.text);
    BOOST_TEST(e.signature.empty());
    BOOST_TEST(e.timestamp.empty());
    // verify_webhook reports the same error, before looking at the credentials; the
    // diagnostics name the field and what it holds (helper-16's audit: nothing named it).
    akool::diagnostics diag;
    diag.client_message = "stale";
    akool::verify_webhook(c.text, creds_of(base()), clock_at(base().timestamp), ec, diag);
    BOOST_TEST(ec == c.expected, c.text);
    BOOST_TEST(!diag.client_message.empty());
    BOOST_TEST(diag.client_message != "stale");
    if (!c.detail.empty()) BOOST_TEST(diag.client_message.rfind(c.detail, 0) == 0u, diag.client_message);
}

// ---- Payload -------------------------------------------------------------------------------

const std::vector<error_case> bad_payloads = {
    {"", error::webhook_bad_json},
    {"not json", error::webhook_bad_json},
    {"[1,2]", error::webhook_bad_json, "payload: an array, not a JSON object"},
    {R"({"_id":"x","status":3)", error::webhook_bad_json},
    {"{\"_id\":\"\xff\",\"status\":3}", error::webhook_bad_json},  // not UTF-8
    {R"({"_id":"x","status":3.5})", error::webhook_bad_json, "payload status: not an integer within int"},
    {R"({"_id":"x","status":1099511627776})", error::webhook_bad_json},
    {R"({"_id":"x","status":-1099511627776})", error::webhook_bad_json},
    {R"({"_id":"x","status":18446744073709551615})", error::webhook_bad_json},
    {R"({})", error::webhook_missing_field},
    {R"({"status":3})", error::webhook_missing_field, "payload _id: missing"},
    {R"({"_id":"","status":3})", error::invalid_task_id, "payload _id: empty"},
    {R"({"_id":"../../etc/passwd","status":3})", error::invalid_task_id,
     R"(payload _id "../../etc/passwd": not 1 to 64 characters)"},
    {"{\"_id\":\"" + std::string(65, 'a') + "\",\"status\":3}", error::invalid_task_id,
     "payload _id \"" + std::string(40, 'a') + "\"... (65 bytes): not 1 to 64"},
    {R"({"_id":"Com3","status":3})", error::invalid_task_id,
     R"(payload _id "Com3": not 1 to 64 characters of A-Z, a-z, 0-9, _ and -, other than a Windows device name)"},
    {"{\"_id\":\"a\\u001b[2Jb\",\"status\":3}", error::invalid_task_id, R"(payload _id "a\x1b[2Jb": not 1 to 64)"},
    {R"({"_id":"x"})", error::webhook_missing_field, "payload status: missing"},
    {R"({"_id":5,"status":3})", error::webhook_missing_field, "payload _id: an integer, expected a string"},
    {R"({"_id":null,"status":3})", error::webhook_missing_field},
    {R"({"_id":"x","status":"3"})", error::webhook_missing_field, "payload status: a string, expected an integer"},
    {R"({"_id":"x","status":null})", error::webhook_missing_field},
};

BOOST_DATA_TEST_CASE(bad_payloads_are_rejected, bdata::make(bad_payloads), c)
{
    const auto creds = creds_of(base());
    webhook_envelope e = signed_envelope(creds, "5", "n", encrypt_for(creds, c.text));
    error_code ec;
    akool::diagnostics diag;
    webhook_payload p = akool::verify_webhook(e, creds, clock_at(5), ec, diag);
    BOOST_TEST(ec == c.expected, c.text);
    BOOST_TEST(is_empty(p));
    BOOST_TEST(!diag.client_message.empty());
    if (!c.detail.empty()) BOOST_TEST(diag.client_message.rfind(c.detail, 0) == 0u, diag.client_message);
}

// Each check after the parse names itself in the diagnostics (the task too once decrypted),
// and the throwing form's what() carries it (helper-16's audit: only the error's own words).
BOOST_AUTO_TEST_CASE(each_failed_check_is_named)
{
    const auto creds = creds_of(base());
    const webhook_envelope good = signed_envelope(creds, "5", "n", encrypt_for(creds, R"({"_id":"t1","status":3})"));
    akool::diagnostics diag;
    error_code ec;
    auto check = [&](const webhook_envelope& e, const webhook_options& o, error expected, const std::string& detail) {
        diag = {};
        webhook_payload p = akool::verify_webhook(e, creds, o, ec, diag);
        BOOST_TEST((ec == expected), ec.message());
        BOOST_TEST(is_empty(p));
        BOOST_TEST(diag.client_message.rfind(detail, 0) == 0u, diag.client_message);
    };
    webhook_envelope bad_sig = good;
    bad_sig.signature[0] = bad_sig.signature[0] == 'a' ? 'b' : 'a';
    check(bad_sig, clock_at(5), error::webhook_bad_signature, "signature: does not match");
    check(good, clock_at(5 + 300001), error::webhook_stale,
          "timestamp: behind this clock by 300001 ms, more than max_age (300000 ms)");
    check(good, clock_at(5 - 300001), error::webhook_stale,
          "timestamp: ahead of this clock by 300001 ms, more than max_age (300000 ms)");
    check(signed_envelope(creds, "5", "n", "@@@@"), clock_at(5), error::webhook_bad_base64,
          "dataEncrypt: not padded base64");
    check(signed_envelope(creds, "5", "n", akool::detail::base64_encode(std::string(17, 'x'))), clock_at(5),
          error::webhook_decrypt_failed, "dataEncrypt: 17 bytes, not a whole number of 16-byte AES blocks");

    webhook_options guarded = clock_at(5);
    guarded.replay_guard = std::make_shared<akool::webhook_replay_guard>();
    webhook_payload p = akool::verify_webhook(good, creds, guarded, ec, diag);
    BOOST_TEST_REQUIRE(!ec, diag.client_message);
    BOOST_TEST(diag.client_message.empty());
    BOOST_TEST(p.id == "t1");
    check(good, guarded, error::webhook_duplicate, "a callback with this ciphertext (dataEncrypt) was accepted before");
    BOOST_TEST(diag.task_id == "t1");

    const client_credentials long_id{"0123456789abcdef012345", creds.client_secret};
    diag = {};
    akool::verify_webhook(signed_envelope(long_id, "5", "n", good.data_encrypt), long_id, clock_at(5), ec, diag);
    BOOST_TEST((ec == error::webhook_bad_credentials));
    BOOST_TEST(diag.client_message == akool::webhook_credentials_problem(long_id));

    try {
        akool::verify_webhook(bad_sig, creds, clock_at(5));
        BOOST_TEST(false, "no exception");
    } catch (const akool::error_with_diagnostics& e) {
        BOOST_TEST((e.code() == error::webhook_bad_signature));
        BOOST_TEST(std::string(e.what()).find("signature: does not match") != std::string::npos, e.what());
    }
    try {
        akool::parse_webhook_body(R"({"signature":"s","dataEncrypt":"d","timestamp":1})");
        BOOST_TEST(false, "no exception");
    } catch (const akool::error_with_diagnostics& e) {
        BOOST_TEST(e.get_diagnostics().client_message == "callback body: nonce: missing");
    }
}

BOOST_AUTO_TEST_CASE(payload_optional_fields_and_unknown_status)
{
    const auto creds = creds_of(base());
    error_code ec;
    auto decode = [&](const std::string& plain) {
        return akool::verify_webhook(signed_envelope(creds, "5", "n", encrypt_for(creds, plain)), creds, clock_at(5), ec);
    };
    webhook_payload p = decode(R"({"_id":"x","status":7,"type":null,"url":5,"more":{}})");
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST(p.id == "x");
    BOOST_TEST(p.status == static_cast<akool::image_status>(7));  // kept, not lost
    BOOST_TEST(p.type.empty());
    BOOST_TEST(p.url.empty());

    p = decode(R"({"status":3,"_id":"z","type":"image","url":"https://h.example/\u00e9.png"})");
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST(p.id == "z");
    BOOST_TEST(p.status == akool::image_status::completed);
    BOOST_TEST(p.url == "https://h.example/\xc3\xa9.png");

    // Completed without a URL: accepted, the URL is left empty (get-result can fetch it).
    p = decode(R"({"_id":"y","status":3})");
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST(p.url.empty());
}

// ---- make_webhook_body ---------------------------------------------------------------------

const std::vector<webhook_payload> round_trip_payloads = {
    {"65f8a1b2c3d4e5f601234567", akool::image_status::completed, "image", "https://cdn.example/r.png"},
    {"p", akool::image_status::processing, "image", ""},
    {"f", akool::image_status::failed, "", ""},
    {"u_9-A", akool::image_status::completed, "image", "https://\xe4\xbe\x8b.jp/\"q\"\\x?a=1&b=2"},
    {std::string(64, 'z'), akool::image_status::completed, "image", std::string(5000, 'u')},
};

BOOST_DATA_TEST_CASE(make_webhook_body_round_trips, bdata::make(round_trip_payloads) * bdata::make({"", "1529", "n\"x"}),
                     payload, nonce)
{
    const auto creds = creds_of(vectors().at(5));
    const std::int64_t ts = 1720000000000;
    error_code ec;
    std::string body = akool::make_webhook_body(payload, creds, ts, nonce, ec);
    BOOST_TEST_REQUIRE(!ec);
    webhook_envelope e = akool::parse_webhook_body(body, ec);
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST(e.timestamp == "1720000000000");
    BOOST_TEST(e.nonce == nonce);
    webhook_payload p = akool::verify_webhook(body, creds, clock_at(ts), ec);
    BOOST_TEST_REQUIRE(!ec, ec.message());
    BOOST_TEST(p.id == payload.id);
    BOOST_TEST(p.status == payload.status);
    BOOST_TEST(p.type == payload.type);
    BOOST_TEST(p.url == payload.url);
    // Another account cannot read it.
    akool::verify_webhook(body, creds_of(base()), clock_at(ts), ec);
    BOOST_TEST(ec == error::webhook_bad_signature);
}

// ---- Throwing overloads --------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(throwing_overloads_carry_the_error)
{
    auto has = [](error e) {
        return [e](const boost::system::system_error& x) { return x.code() == e; };
    };
    const auto c = creds_of(base());
    BOOST_CHECK_EXCEPTION(akool::parse_webhook_body("{"), boost::system::system_error, has(error::webhook_bad_json));
    BOOST_CHECK_EXCEPTION(akool::verify_webhook(base().body, c, clock_at(0)), boost::system::system_error,
                          has(error::webhook_stale));
    webhook_envelope e = base_envelope();
    e.signature[0] = e.signature[0] == '0' ? '1' : '0';
    BOOST_CHECK_EXCEPTION(akool::verify_webhook(e, c, clock_at(base().timestamp)), boost::system::system_error,
                          has(error::webhook_bad_signature));
    BOOST_CHECK_EXCEPTION(akool::make_webhook_body(webhook_payload{}, client_credentials{}, 1, "n"),
                          boost::system::system_error, has(error::webhook_bad_credentials));
    std::string body;
    BOOST_CHECK_NO_THROW(body = akool::make_webhook_body(webhook_payload{"ok", akool::image_status::failed, "", ""}, c, 1, "n"));
    BOOST_TEST(akool::verify_webhook(body, c, clock_at(1)).id == "ok");
}

// ---- Garbage never throws from the error_code overloads ------------------------------------

std::vector<std::string> garbage_bodies()
{
    std::vector<std::string> g = {
        "",
        std::string(1, '\0'),
        "\xff\xfe\xfd",
        "{\"signature\":",
        "{\"signature\":\"\",\"dataEncrypt\":\"\",\"timestamp\":\"\",\"nonce\":\"\"}",
        "{\"signature\":\"\",\"dataEncrypt\":\"\",\"timestamp\":0,\"nonce\":\"\"}",
        "{\"signature\":\"" + std::string(40, 'A') + "\",\"dataEncrypt\":\"====\",\"timestamp\":0,\"nonce\":0}",
        std::string(100000, '['),
        std::string(100000, '{'),
        "{\"a\":" + std::string(5000, '[') + std::string(5000, ']') + "}",
        std::string(1 << 20, 'A'),
        "{\"signature\":\"x\",\"dataEncrypt\":\"" + std::string(1 << 20, 'A') + "\",\"timestamp\":1,\"nonce\":\"n\"}",
        "{\"signature\":\"x\",\"dataEncrypt\":\"x\",\"timestamp\":1,\"nonce\":\"n\",\"signature\":\"y\"}",
        "1e999999",
        "-",
    };
    std::string b = base().body;
    for (std::size_t cut = 0; cut < b.size(); cut += 17) g.push_back(b.substr(0, cut));
    return g;
}

const std::vector<std::string>& garbage()
{
    static const std::vector<std::string> g = garbage_bodies();
    return g;
}

// Indexed so that a failure names a number rather than printing a megabyte.
BOOST_DATA_TEST_CASE(garbage_never_throws, bdata::xrange(garbage().size()), index)
{
    const std::string& body = garbage()[index];
    error_code ec;
    webhook_payload p;
    BOOST_CHECK_NO_THROW(p = akool::verify_webhook(body, creds_of(base()), clock_at(0, std::chrono::milliseconds(0)), ec));
    BOOST_TEST(ec.failed());
    BOOST_TEST(is_empty(p));
    BOOST_CHECK_NO_THROW(akool::parse_webhook_body(body, ec));
}

// A validly signed, huge, well-formed base64 payload of random-looking blocks.
BOOST_AUTO_TEST_CASE(huge_signed_ciphertext_fails_cleanly)
{
    const auto c = creds_of(base());
    std::string cipher(1 << 20, '\0');
    for (std::size_t i = 0; i < cipher.size(); ++i) cipher[i] = static_cast<char>((i * 2654435761u) >> 13);
    webhook_envelope e = signed_envelope(c, "5", "n", akool::detail::base64_encode(cipher));
    error_code ec;
    webhook_payload p;
    BOOST_CHECK_NO_THROW(p = akool::verify_webhook(e, c, clock_at(5), ec));
    BOOST_TEST((ec == error::webhook_decrypt_failed || ec == error::webhook_bad_json), ec.message());
    BOOST_TEST(is_empty(p));
}

// ---- Replay guard --------------------------------------------------------------------------

namespace {

const std::int64_t guard_now = 1710757981609;

// A valid callback body for task `id`, signed at `ts` with `nonce`.
std::string callback_body(const std::string& id, std::int64_t ts = guard_now, const std::string& nonce = "1529")
{
    webhook_payload p;
    p.id = id;
    p.status = akool::image_status::completed;
    p.url = "https://cdn.example.com/" + id + ".png";
    return akool::make_webhook_body(p, creds_of(base()), ts, nonce);
}

webhook_options guarded(std::shared_ptr<akool::webhook_replay_guard> g, std::int64_t now = guard_now,
                        std::chrono::milliseconds max_age = std::chrono::minutes(5))
{
    webhook_options o = clock_at(now, max_age);
    o.replay_guard = std::move(g);
    return o;
}

} // namespace

BOOST_AUTO_TEST_CASE(replay_guard_refuses_a_second_delivery)
{
    auto guard = std::make_shared<akool::webhook_replay_guard>();
    const std::string body = callback_body("task-a");
    error_code ec;
    webhook_payload p = akool::verify_webhook(body, creds_of(base()), guarded(guard), ec);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(p.id == "task-a");
    BOOST_TEST(guard->size() == 1u);

    p = akool::verify_webhook(body, creds_of(base()), guarded(guard, guard_now + 1000), ec);
    BOOST_TEST(ec == error::webhook_duplicate);
    BOOST_TEST(is_empty(p));
    BOOST_TEST(guard->size() == 1u);
    BOOST_CHECK_EXCEPTION(akool::verify_webhook(body, creds_of(base()), guarded(guard)), boost::system::system_error,
                          [](const boost::system::system_error& e) { return e.code() == error::webhook_duplicate; });

    // Another callback is not a duplicate; without a guard the same body passes again.
    akool::verify_webhook(callback_body("task-b"), creds_of(base()), guarded(guard), ec);
    BOOST_TEST(!ec, ec.message());
    akool::verify_webhook(body, creds_of(base()), clock_at(guard_now), ec);
    BOOST_TEST(!ec, ec.message());
}

BOOST_AUTO_TEST_CASE(replay_guard_sees_through_case_and_swapped_fields)
{
    auto guard = std::make_shared<akool::webhook_replay_guard>();
    const client_credentials c = creds_of(base());
    // The nonce is a time too, so both orders pass the age check.
    const std::string ts = std::to_string(guard_now), nonce = std::to_string(guard_now + 5);
    const std::string data = encrypt_for(c, R"({"_id":"task-s","status":3,"type":1,"url":"u"})");
    error_code ec;
    akool::verify_webhook(signed_envelope(c, ts, nonce, data), c, guarded(guard), ec);
    BOOST_TEST(!ec, ec.message());

    webhook_envelope upper = signed_envelope(c, ts, nonce, data);
    for (char& ch : upper.signature)
        if (ch >= 'a' && ch <= 'f') ch = static_cast<char>(ch - 'a' + 'A');
    akool::verify_webhook(upper, c, guarded(guard), ec);
    BOOST_TEST(ec == error::webhook_duplicate);

    // The signature sorts its inputs: swapping timestamp and nonce keeps it valid.
    webhook_envelope swapped = signed_envelope(c, nonce, ts, data);
    BOOST_TEST(swapped.signature == signed_envelope(c, ts, nonce, data).signature);
    akool::verify_webhook(swapped, c, guarded(guard), ec);
    BOOST_TEST(ec == error::webhook_duplicate);
}

BOOST_AUTO_TEST_CASE(replay_guard_records_only_valid_callbacks)
{
    auto guard = std::make_shared<akool::webhook_replay_guard>();
    const std::string body = callback_body("task-v");
    error_code ec;

    std::string forged = body;
    forged.replace(forged.find("\"signature\":\"") + 13, 1, forged[forged.find("\"signature\":\"") + 13] == '0' ? "1" : "0");
    akool::verify_webhook(forged, creds_of(base()), guarded(guard), ec);
    BOOST_TEST(ec == error::webhook_bad_signature);
    client_credentials wrong_secret = creds_of(base());
    wrong_secret.client_secret[0] = wrong_secret.client_secret[0] == 'x' ? 'y' : 'x';
    akool::verify_webhook(body, wrong_secret, guarded(guard), ec);
    BOOST_TEST(ec == error::webhook_decrypt_failed);
    akool::verify_webhook(body, creds_of(base()), guarded(guard, guard_now + 300001), ec);
    BOOST_TEST(ec == error::webhook_stale);
    BOOST_TEST(guard->size() == 0u);

    akool::verify_webhook(body, creds_of(base()), guarded(guard), ec);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(guard->size() == 1u);
}

// The signature takes no secret: whoever knows the client id can sign a captured callback
// anew, with a fresh timestamp and nonce, which the age check accepts. The guard keys on the
// ciphertext, so that replay is a duplicate, within the age window and after it.
BOOST_AUTO_TEST_CASE(a_replay_signed_anew_is_a_duplicate)
{
    auto guard = std::make_shared<akool::webhook_replay_guard>();
    const client_credentials c = creds_of(base());
    const std::string body = callback_body("task-r");
    error_code ec;
    akool::verify_webhook(body, c, guarded(guard), ec);
    BOOST_TEST(!ec, ec.message());
    const webhook_envelope captured = akool::parse_webhook_body(body, ec);
    BOOST_REQUIRE(!ec);

    for (std::int64_t later : {guard_now + 1000, guard_now + 6 * 60000, guard_now + std::int64_t(24) * 3600000}) {
        const std::string ts = std::to_string(later);
        const webhook_envelope resigned = signed_envelope(c, ts, "another-nonce-" + ts, captured.data_encrypt);
        BOOST_TEST(resigned.signature != captured.signature);
        // Without a guard it passes every check: only the guard can refuse it.
        akool::verify_webhook(resigned, c, clock_at(later), ec);
        BOOST_TEST(!ec, ec.message());
        webhook_payload p = akool::verify_webhook(resigned, c, guarded(guard, later), ec);
        BOOST_TEST(ec == error::webhook_duplicate, later << ": " << ec.message());
        BOOST_TEST(is_empty(p));
    }
    BOOST_TEST(guard->size() == 1u);
}

// Entries stay past the age window (a replay can carry a fresh timestamp), whether the age
// check is on or off; only capacity, or forget, drops them.
BOOST_AUTO_TEST_CASE(replay_guard_keeps_entries_past_the_age_window)
{
    for (auto max_age : {std::chrono::milliseconds(std::chrono::minutes(5)), std::chrono::milliseconds(0)}) {
        auto guard = std::make_shared<akool::webhook_replay_guard>();
        error_code ec;
        akool::verify_webhook(callback_body("task-old", guard_now), creds_of(base()), guarded(guard, guard_now, max_age),
                              ec);
        BOOST_TEST(!ec, ec.message());
        const std::int64_t later = guard_now + 6 * 60000;
        akool::verify_webhook(callback_body("task-new", later), creds_of(base()), guarded(guard, later, max_age), ec);
        BOOST_TEST(!ec, ec.message());
        BOOST_TEST(guard->size() == 2u);
        // The old callback as first sent is stale to the age check, or a duplicate without it.
        akool::verify_webhook(callback_body("task-old", guard_now), creds_of(base()), guarded(guard, later, max_age), ec);
        BOOST_TEST((ec == (max_age.count() ? error::webhook_stale : error::webhook_duplicate)), ec.message());
    }
}

BOOST_AUTO_TEST_CASE(replay_guard_capacity_drops_the_first_recorded)
{
    auto guard = std::make_shared<akool::webhook_replay_guard>(2);
    // Recorded in this order; the first has the newest timestamp, which does not keep it.
    const std::string b1 = callback_body("t1", guard_now), b2 = callback_body("t2", guard_now - 2),
                      b3 = callback_body("t3", guard_now - 1);
    error_code ec;
    for (const auto* b : {&b1, &b2, &b3}) {
        akool::verify_webhook(*b, creds_of(base()), guarded(guard), ec);
        BOOST_TEST(!ec, ec.message());
    }
    BOOST_TEST(guard->size() == 2u);
    akool::verify_webhook(b2, creds_of(base()), guarded(guard), ec);
    BOOST_TEST(ec == error::webhook_duplicate);
    akool::verify_webhook(b3, creds_of(base()), guarded(guard), ec);
    BOOST_TEST(ec == error::webhook_duplicate);
    // b1 was recorded first and made room for b3: it is accepted again (the documented limit).
    akool::verify_webhook(b1, creds_of(base()), guarded(guard), ec);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(guard->size() == 2u);

    akool::webhook_replay_guard one(0);  // capacity 0 keeps one
    webhook_envelope e;
    e.data_encrypt = "ab";
    BOOST_TEST(one.record(e));
    BOOST_TEST(!one.record(e));
    BOOST_TEST(one.size() == 1u);
}

BOOST_AUTO_TEST_CASE(replay_guard_forget_lets_a_resend_through)
{
    auto guard = std::make_shared<akool::webhook_replay_guard>();
    const std::string body = callback_body("task-f");
    error_code ec;
    akool::verify_webhook(body, creds_of(base()), guarded(guard), ec);
    BOOST_TEST(!ec, ec.message());
    webhook_envelope env = akool::parse_webhook_body(body, ec);
    BOOST_REQUIRE(!ec);
    webhook_envelope other = env;
    other.data_encrypt += "x";
    guard->forget(other);  // another ciphertext: not recorded, nothing happens
    BOOST_TEST(guard->size() == 1u);
    guard->forget(env);
    BOOST_TEST(guard->size() == 0u);
    guard->forget(env);  // not recorded any more: nothing happens
    webhook_payload p = akool::verify_webhook(body, creds_of(base()), guarded(guard), ec);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(p.id == "task-f");
}

BOOST_AUTO_TEST_CASE(replay_guard_accepts_each_callback_once_across_threads)
{
    auto guard = std::make_shared<akool::webhook_replay_guard>();
    std::vector<std::string> bodies;
    for (int i = 0; i < 64; ++i) bodies.push_back(callback_body("task-" + std::to_string(i), guard_now, std::to_string(i)));
    std::atomic<int> accepted{0}, duplicates{0}, other{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (const auto& b : bodies) {
                error_code ec;
                akool::verify_webhook(b, creds_of(base()), guarded(guard), ec);
                (ec ? (ec == error::webhook_duplicate ? duplicates : other) : accepted)++;
            }
        });
    for (auto& th : threads) th.join();
    BOOST_TEST(accepted.load() == 64);
    BOOST_TEST(duplicates.load() == 3 * 64);
    BOOST_TEST(other.load() == 0);
    BOOST_TEST(guard->size() == 64u);
}

BOOST_AUTO_TEST_SUITE_END()
