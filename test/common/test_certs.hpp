// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_TEST_TEST_CERTS_HPP
#define AKOOL_TEST_TEST_CERTS_HPP

/// @file test_certs.hpp
/// A throw-away PKI for TLS tests, made with OpenSSL 3's API at test time: a CA, a server
/// certificate valid for 127.0.0.1, ::1 and localhost, an expired one, and one for the wrong host,
/// all signed by the CA and written as PEM files into a directory.

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "temp_dir.hpp"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>

namespace akool_test {

/// Paths of the files `make_test_pki` writes.
struct test_pki {
    std::string dir;
    std::string ca_cert;            ///< the CA certificate (trust anchor for clients)
    std::string ca_key;
    std::string server_cert;        ///< valid now, SAN IP:127.0.0.1, IP:::1, DNS:localhost
    std::string server_key;         ///< the key of every server certificate below
    std::string expired_cert;       ///< same names, expired yesterday
    std::string wrong_host_cert;    ///< valid now, SAN DNS:wrong.example only
    std::string self_signed_cert;   ///< valid now for the right names, but not signed by the CA
    std::string self_signed_key;
};

namespace detail {

struct pkey_free {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct x509_free {
    void operator()(X509* p) const noexcept { X509_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;

inline void pki_check(bool ok, const char* what)
{
    if (!ok) throw std::runtime_error(std::string("make_test_pki: ") + what);
}

inline pkey_ptr make_key()
{
    pkey_ptr k(EVP_EC_gen("P-256"));
    pki_check(k != nullptr, "EC key generation failed");
    return k;
}

inline void add_ext(X509* cert, X509* issuer, int nid, const char* value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    pki_check(ext != nullptr, "bad extension");
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

/// A certificate for `subject_key`, signed by `issuer_key` (self-signed when issuer is null).
inline x509_ptr make_cert(const char* cn, EVP_PKEY* subject_key, X509* issuer, EVP_PKEY* issuer_key, long not_before_s,
                          long not_after_s, bool is_ca, const char* san)
{
    x509_ptr cert(X509_new());
    pki_check(cert != nullptr, "X509_new");
    X509_set_version(cert.get(), 2);
    static std::mt19937_64 serial_rng{std::random_device{}()};
    ASN1_INTEGER_set_int64(X509_get_serialNumber(cert.get()), static_cast<std::int64_t>(serial_rng() >> 2));
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), not_before_s);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), not_after_s);
    X509_set_pubkey(cert.get(), subject_key);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("akool-cpp tests"), -1, -1,
                               0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
    X509* iss = issuer ? issuer : cert.get();
    X509_set_issuer_name(cert.get(), X509_get_subject_name(iss));
    if (is_ca) {
        add_ext(cert.get(), iss, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(cert.get(), iss, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(cert.get(), iss, NID_basic_constraints, "critical,CA:FALSE");
        add_ext(cert.get(), iss, NID_key_usage, "critical,digitalSignature");
        add_ext(cert.get(), iss, NID_ext_key_usage, "serverAuth");
    }
    add_ext(cert.get(), iss, NID_subject_key_identifier, "hash");
    if (issuer) add_ext(cert.get(), iss, NID_authority_key_identifier, "keyid:always");
    if (san) add_ext(cert.get(), iss, NID_subject_alt_name, san);
    pki_check(X509_sign(cert.get(), issuer_key, EVP_sha256()) > 0, "X509_sign");
    return cert;
}

inline void write_cert(const std::string& path, X509* cert)
{
    FILE* f = std::fopen(path.c_str(), "wb");
    pki_check(f != nullptr, "cannot write certificate");
    bool ok = PEM_write_X509(f, cert) == 1;
    std::fclose(f);
    pki_check(ok, "PEM_write_X509");
}

inline void write_key(const std::string& path, EVP_PKEY* key)
{
    FILE* f = std::fopen(path.c_str(), "wb");
    pki_check(f != nullptr, "cannot write key");
    bool ok = PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
    std::fclose(f);
    pki_check(ok, "PEM_write_PrivateKey");
}

} // namespace detail

/// Creates `dir` if needed and writes a fresh CA, server certificates and keys into it.
/// Throws std::runtime_error on failure.
inline test_pki make_test_pki(const std::string& dir)
{
    namespace fs = std::filesystem;
    fs::create_directories(dir);
    test_pki p;
    p.dir = dir;
    auto at = [&dir](const char* name) { return (fs::path(dir) / name).string(); };
    p.ca_cert = at("ca.pem");
    p.ca_key = at("ca-key.pem");
    p.server_cert = at("server.pem");
    p.server_key = at("server-key.pem");
    p.expired_cert = at("expired.pem");
    p.wrong_host_cert = at("wrong-host.pem");
    p.self_signed_cert = at("self-signed.pem");
    p.self_signed_key = at("self-signed-key.pem");

    const long day = 24L * 3600;
    auto ca_key = detail::make_key();
    auto ca = detail::make_cert("akool-cpp test CA", ca_key.get(), nullptr, ca_key.get(), -day, 30 * day, true, nullptr);
    auto key = detail::make_key();
    const char* good_san = "IP:127.0.0.1,IP:::1,DNS:localhost";
    auto server = detail::make_cert("localhost", key.get(), ca.get(), ca_key.get(), -day, 30 * day, false, good_san);
    auto expired = detail::make_cert("localhost", key.get(), ca.get(), ca_key.get(), -3 * day, -day, false, good_san);
    auto wrong = detail::make_cert("wrong.example", key.get(), ca.get(), ca_key.get(), -day, 30 * day, false,
                                   "DNS:wrong.example");
    auto self_key = detail::make_key();
    auto self = detail::make_cert("localhost", self_key.get(), nullptr, self_key.get(), -day, 30 * day, false, good_san);

    detail::write_cert(p.ca_cert, ca.get());
    detail::write_key(p.ca_key, ca_key.get());
    detail::write_cert(p.server_cert, server.get());
    detail::write_key(p.server_key, key.get());
    detail::write_cert(p.expired_cert, expired.get());
    detail::write_cert(p.wrong_host_cert, wrong.get());
    detail::write_cert(p.self_signed_cert, self.get());
    detail::write_key(p.self_signed_key, self_key.get());
    return p;
}

/// The test program's PKI: made on the first call, in a new directory named with `prefix`
/// (later calls return the same one, whatever their prefix), removed when the program exits.
inline const test_pki& shared_test_pki(const std::string& prefix = "akool-test-")
{
    struct owned {
        temp_dir dir;
        test_pki pki;
        explicit owned(const std::string& prefix) : dir(prefix), pki(make_test_pki(dir.path())) {}
    };
    static const owned o(prefix);
    return o.pki;
}

} // namespace akool_test

#endif
