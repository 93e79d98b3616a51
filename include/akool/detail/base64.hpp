// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_BASE64_HPP
#define AKOOL_DETAIL_BASE64_HPP

// Standard base64 (RFC 4648 section 4: alphabet A-Z a-z 0-9 + /, '=' padding) with a strict
// decoder. Written here rather than using OpenSSL's EVP_DecodeBlock because that function
// skips leading and trailing white space, does not report how much padding it saw (its
// output length always counts the padding bytes as zeros) and accepts non-canonical
// encodings. The decoder below refuses:
//   - a length that is not a multiple of 4 (padding is mandatory),
//   - any byte outside the alphabet, white space and line breaks included,
//   - '=' anywhere but in the last one or two positions of the text,
//   - non-zero unused bits in the last symbol before the padding (so every byte string has
//     exactly one accepted encoding).
// The empty string is valid and decodes to nothing. Standard library only.

#include <cstdint>
#include <string>
#include <string_view>

namespace akool {
namespace detail {

inline constexpr char base64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The 6-bit value of an alphabet character, or -1.
constexpr int base64_value(char c) noexcept
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// Appends the padded base64 encoding of `in` to `out`.
inline void base64_encode(std::string_view in, std::string& out)
{
    out.reserve(out.size() + (in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(in[k])); };
    for (; i + 3 <= in.size(); i += 3) {
        std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
        out.push_back(base64_alphabet[(v >> 18) & 63]);
        out.push_back(base64_alphabet[(v >> 12) & 63]);
        out.push_back(base64_alphabet[(v >> 6) & 63]);
        out.push_back(base64_alphabet[v & 63]);
    }
    std::size_t rest = in.size() - i;
    if (rest == 1) {
        std::uint32_t v = byte(i) << 16;
        out.push_back(base64_alphabet[(v >> 18) & 63]);
        out.push_back(base64_alphabet[(v >> 12) & 63]);
        out.append("==");
    } else if (rest == 2) {
        std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8);
        out.push_back(base64_alphabet[(v >> 18) & 63]);
        out.push_back(base64_alphabet[(v >> 12) & 63]);
        out.push_back(base64_alphabet[(v >> 6) & 63]);
        out.push_back('=');
    }
}

// The padded base64 encoding of `in`.
inline std::string base64_encode(std::string_view in)
{
    std::string out;
    base64_encode(in, out);
    return out;
}

// Strictly decodes `in` (see the rules at the top of this file) into `out`, replacing its
// content. Returns false, with `out` cleared, when `in` is not a canonical padded encoding.
inline bool base64_decode(std::string_view in, std::string& out)
{
    out.clear();
    if (in.size() % 4 != 0) return false;
    if (in.empty()) return true;
    std::size_t pad = 0;
    if (in[in.size() - 1] == '=') pad = (in[in.size() - 2] == '=') ? 2 : 1;
    const std::size_t body = in.size() - pad;  // symbols carrying data
    out.reserve(in.size() / 4 * 3);
    std::uint32_t acc = 0;
    for (std::size_t i = 0; i < body; ++i) {
        int v = base64_value(in[i]);
        if (v < 0) {  // '=' before the last two positions lands here too
            out.clear();
            return false;
        }
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        if (i % 4 == 3) {
            out.push_back(static_cast<char>((acc >> 16) & 0xff));
            out.push_back(static_cast<char>((acc >> 8) & 0xff));
            out.push_back(static_cast<char>(acc & 0xff));
            acc = 0;
        }
    }
    if (pad == 2) {  // two symbols, 12 bits: one byte and 4 unused bits
        if ((acc & 0x0f) != 0) {
            out.clear();
            return false;
        }
        out.push_back(static_cast<char>((acc >> 4) & 0xff));
    } else if (pad == 1) {  // three symbols, 18 bits: two bytes and 2 unused bits
        if ((acc & 0x03) != 0) {
            out.clear();
            return false;
        }
        out.push_back(static_cast<char>((acc >> 10) & 0xff));
        out.push_back(static_cast<char>((acc >> 2) & 0xff));
    }
    return true;
}

} // namespace detail
} // namespace akool

#endif
