// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_UTF8_HPP
#define AKOOL_DETAIL_UTF8_HPP

// UTF-8 checks, written once: the validator reports the first invalid byte of a field, the
// JSON writer replaces invalid sequences so that it never emits a body that is not JSON.
// Valid means well-formed as the Unicode Standard's table 3-7 defines it (no overlong forms,
// no surrogates, nothing above U+10FFFF), which is what a JSON parser such as Boost.JSON's
// accepts. And the one way a message shows untrusted text (append_printable, quote_printable):
// one printable line whatever the bytes. Standard library only.

#include <akool/config.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace akool {
namespace detail {

// The length of the well-formed UTF-8 sequence starting at `s[i]`, or 0 when the bytes there
// are not one. `*prefix` (when given) receives, for an ill-formed sequence, the length of
// its maximal subpart: the bytes a decoder replaces with one U+FFFD (at least 1).
inline std::size_t utf8_sequence_length(std::string_view s, std::size_t i, std::size_t* prefix = nullptr) noexcept
{
    auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char b = at(i);
    if (b < 0x80) return 1;
    std::size_t need = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
    if (b >= 0xC2 && b <= 0xDF)
        need = 2;
    else if (b >= 0xE0 && b <= 0xEF) {
        need = 3;
        if (b == 0xE0) lo = 0xA0;
        if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 4;
        if (b == 0xF0) lo = 0x90;
        if (b == 0xF4) hi = 0x8F;
    }
    std::size_t got = 1;
    if (need != 0) {
        while (got < need && i + got < s.size()) {
            unsigned char c = at(i + got);
            bool ok = got == 1 ? (c >= lo && c <= hi) : (c >= 0x80 && c <= 0xBF);
            if (!ok) break;
            ++got;
        }
        if (got == need) return need;
    }
    if (prefix) *prefix = got;
    return 0;
}

// Eight bytes of `p` as one word, and the word with each of its bytes set to `b`: the scans
// below test eight bytes at a time (a prompt is mostly ASCII), then the byte that stopped them.
inline std::uint64_t load_word(const char* p) noexcept
{
    std::uint64_t w;
    std::memcpy(&w, p, sizeof w);
    return w;
}
constexpr std::uint64_t every_byte(unsigned char b) noexcept { return 0x0101010101010101ull * b; }
// Whether any byte of `w` is below `n` (n <= 0x80): the classic test, exact as to whether one
// is (not which); with n = 1, whether a byte is zero.
constexpr bool has_byte_below(std::uint64_t w, unsigned char n) noexcept
{
    return ((w - every_byte(n)) & ~w & every_byte(0x80)) != 0;
}

// The offset of the first byte at or after `i` that is not ASCII (>= 0x80); s.size() if none.
inline std::size_t skip_ascii(std::string_view s, std::size_t i) noexcept
{
    while (i + 8 <= s.size() && (load_word(s.data() + i) & every_byte(0x80)) == 0) i += 8;
    while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i;
    return i;
}

// The offset of the first byte at or after `i` that a JSON string cannot hold as it is or that
// is not ASCII: a control below 0x20, `"`, `\`, or a byte >= 0x80; s.size() if none.
inline std::size_t skip_json_plain(std::string_view s, std::size_t i) noexcept
{
    for (; i + 8 <= s.size(); i += 8) {
        const std::uint64_t w = load_word(s.data() + i);
        // A high bit, a byte below 0x20, or a byte equal to '"' or '\\' (zero after the XOR).
        if ((w & every_byte(0x80)) != 0 || has_byte_below(w, 0x20) || has_byte_below(w ^ every_byte('"'), 1) ||
            has_byte_below(w ^ every_byte('\\'), 1))
            break;
    }
    for (; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
    }
    return i;
}

// The offset of the first byte of `s` that is not part of a well-formed UTF-8 sequence;
// npos when `s` is valid UTF-8.
inline std::size_t utf8_invalid_offset(std::string_view s) noexcept
{
    std::size_t i = 0;
    while (i < s.size()) {
        i = skip_ascii(s, i);  // ASCII runs first: the common case
        if (i == s.size()) break;
        std::size_t n = utf8_sequence_length(s, i);
        if (n == 0) return i;
        i += n;
    }
    return std::string_view::npos;
}

// Appends `s` with each maximal ill-formed subpart replaced by U+FFFD (as the Unicode
// Standard recommends and WHATWG decoders do): the result is always valid UTF-8.
inline void append_utf8_replacing(std::string& out, std::string_view s)
{
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t prefix = 1;
        std::size_t n = utf8_sequence_length(s, i, &prefix);
        if (n != 0) {
            out.append(s.data() + i, n);
            i += n;
        } else {
            out.append("\xEF\xBF\xBD");
            i += prefix;
        }
    }
}

// ASCII letters in lower case, other bytes as they are (host names, header names, hex
// signatures, file names compared as a case-insensitive file system would).
inline char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string lowercase_ascii(std::string_view s)
{
    std::string out(s);
    for (char& c : out) c = ascii_lower(c);
    return out;
}

// The code point of the well-formed sequence of `n` bytes at `s[i]` when a message shows it
// escaped as \uNNNN, else 0: a C1 control (U+0080-U+009F, which some terminals obey as ESC
// sequences), or a character that breaks a line or reorders the text around it on screen
// (the "Trojan Source" attack): U+061C, U+200E, U+200F, U+2028-U+202E (line and paragraph
// separators, bidi embeddings and overrides), U+2066-U+2069 (bidi isolates).
inline unsigned escaped_code_point(std::string_view s, std::size_t i, std::size_t n) noexcept
{
    const unsigned b0 = static_cast<unsigned char>(s[i]);
    if (!((n == 2 && (b0 == 0xC2 || b0 == 0xD8)) || (n == 3 && b0 == 0xE2))) return 0;  // U+00xx, U+06xx, U+20xx
    const unsigned b1 = static_cast<unsigned char>(s[i + 1]) & 0x3Fu;
    const unsigned cp = n == 2 ? ((b0 & 0x1Fu) << 6) | b1
                               : ((b0 & 0x0Fu) << 12) | (b1 << 6) | (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
    const bool escaped = cp <= 0x9F || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
                         (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
    return escaped ? cp : 0;
}

// Appends the six characters \uNNNN for `cp` (at most U+FFFF), lower-case hex digits.
inline void append_u_escape(std::string& out, unsigned cp)
{
    static constexpr char hex[] = "0123456789abcdef";
    const char u[6] = {'\\', 'u', hex[(cp >> 12) & 15], hex[(cp >> 8) & 15], hex[(cp >> 4) & 15], hex[cp & 15]};
    out.append(u, sizeof(u));
}

// Appends `s` as one printable line for a log or a terminal, whatever its bytes: C0 controls
// (CR, LF, ESC, ...) and DEL as \xNN, the C1 controls U+0080-U+009F (which some terminals
// obey as ESC sequences), line separators and bidi controls as \uNNNN (escaped_code_point),
// a byte of no well-formed UTF-8 sequence as \xNN, with
// `escape_quotes` also `"` and `\` as \" and \\, the rest as it is. At most `max_bytes` of
// `s` are shown (a character is kept or dropped whole). Returns how many bytes of `s` were shown.
AKOOL_COLD inline std::size_t append_printable_part(std::string& out, std::string_view s, std::size_t max_bytes,
                                                    bool escape_quotes)
{
    static constexpr char hex[] = "0123456789abcdef";
    auto escape = [&out](const char* prefix, unsigned char b) {
        out += prefix;
        out += hex[b >> 4];
        out += hex[b & 15];
    };
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        std::size_t n = utf8_sequence_length(s, i);
        if (n == 0) n = 1;
        if (i + n > max_bytes) break;
        if (b < 0x20 || b == 0x7f || (n == 1 && b >= 0x80))
            escape("\\x", b);
        else if (const unsigned cp = escaped_code_point(s, i, n))
            append_u_escape(out, cp);
        else if (escape_quotes && (b == '"' || b == '\\')) {
            out += '\\';
            out += s[i];
        } else
            out.append(s.data() + i, n);
        i += n;
    }
    return i;
}

// Writes the decimal digits of `v` so that they end at `end`; returns where they start, at
// most 20 bytes before `end`. The one integer formatter of the library (the JSON writer's and
// the validator's messages' too). A loop rather than std::to_chars: every public header
// reaches this one, and <charconv> was 2% of what a TU that only includes
// <akool/blocking_client.hpp> costs to compile.
inline char* decimal_digits_ending_at(char* end, std::uint64_t v) noexcept
{
    do {
        *--end = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return end;
}

// The same for a signed `v`, with its '-' (at most 20 characters). The magnitude is taken in
// unsigned arithmetic: -INT64_MIN does not fit an int64_t.
inline char* signed_decimal_ending_at(char* end, std::int64_t v) noexcept
{
    const auto u = static_cast<std::uint64_t>(v);
    char* first = decimal_digits_ending_at(end, v < 0 ? 0 - u : u);
    if (v < 0) *--first = '-';
    return first;
}

// Appends the decimal digits of `v`, without std::to_string's temporary string.
inline void append_decimal(std::string& out, std::uint64_t v)
{
    char digits[20];
    const char* first = decimal_digits_ending_at(digits + sizeof digits, v);
    out.append(first, static_cast<std::size_t>(digits + sizeof digits - first));
}

// The text a cut value ends with: its whole length.
inline void append_cut_note(std::string& out, std::size_t shown, std::size_t size)
{
    if (shown >= size) return;
    out += "... (";
    append_decimal(out, size);
    out += " bytes)";
}

// `s` as one printable line (append_printable_part); a longer `s` than `max_bytes` ends in
// "... (N bytes)".
inline void append_printable(std::string& out, std::string_view s, std::size_t max_bytes = std::string_view::npos)
{
    append_cut_note(out, append_printable_part(out, s, max_bytes, false), s.size());
}

// `s` for a message that quotes a value: in double quotes, printable (append_printable_part,
// quotes and backslashes escaped), cut after `max_bytes` with "... (N bytes)" after the
// closing quote.
AKOOL_COLD inline std::string quote_printable(std::string_view s, std::size_t max_bytes)
{
    std::string out = "\"";
    const std::size_t shown = append_printable_part(out, s, max_bytes, true);
    out += '"';
    append_cut_note(out, shown, s.size());
    return out;
}

} // namespace detail
} // namespace akool

#endif
