// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_EMULATOR_PNG_HPP
#define AKOOL_EMULATOR_PNG_HPP

/// @file png.hpp
/// A dependency-free PNG writer for the emulator: 8-bit RGB, filter 0 on every row, and the
/// image data in zlib "stored" (uncompressed) deflate blocks. CRC-32 and Adler-32 are
/// computed here, so no zlib is needed. Files are larger than compressed ones, but valid.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace akool_emulator {

/// CRC-32 (ISO-HDLC, the one PNG uses) of `data`, continuing from `crc` (0 to start).
/// Eight bytes a step through eight tables ("slicing-by-8"): a 25 MB image's IDAT took
/// 55 ms a byte at a time.
inline std::uint32_t crc32(const unsigned char* data, std::size_t size, std::uint32_t crc = 0) noexcept
{
    static const std::array<std::array<std::uint32_t, 256>, 8> table = [] {
        std::array<std::array<std::uint32_t, 256>, 8> t{};
        for (std::uint32_t n = 0; n < 256; ++n) {
            std::uint32_t c = n;
            for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[0][n] = c;
        }
        for (std::uint32_t n = 0; n < 256; ++n)
            for (std::size_t k = 1; k < 8; ++k) t[k][n] = t[0][t[k - 1][n] & 0xFFu] ^ (t[k - 1][n] >> 8);
        return t;
    }();
    crc = ~crc;
    for (; size >= 8; data += 8, size -= 8) {
        const std::uint32_t lo = crc ^ (std::uint32_t(data[0]) | std::uint32_t(data[1]) << 8 |
                                        std::uint32_t(data[2]) << 16 | std::uint32_t(data[3]) << 24);
        crc = table[7][lo & 0xFFu] ^ table[6][(lo >> 8) & 0xFFu] ^ table[5][(lo >> 16) & 0xFFu] ^ table[4][lo >> 24] ^
              table[3][data[4]] ^ table[2][data[5]] ^ table[1][data[6]] ^ table[0][data[7]];
    }
    for (std::size_t i = 0; i < size; ++i) crc = table[0][(crc ^ data[i]) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}

/// Adler-32 of `data` (the zlib stream checksum). The sums are reduced once per 5552 bytes
/// (zlib's NMAX: the most that cannot overflow 32 bits), not per byte.
inline std::uint32_t adler32(const unsigned char* data, std::size_t size) noexcept
{
    std::uint32_t a = 1, b = 0;
    while (size > 0) {
        const std::size_t n = size < 5552 ? size : 5552;
        for (std::size_t i = 0; i < n; ++i) {
            a += data[i];
            b += a;
        }
        a %= 65521u;
        b %= 65521u;
        data += n;
        size -= n;
    }
    return (b << 16) | a;
}

/// 64-bit FNV-1a hash of `text`, continuing from `h`.
inline std::uint64_t fnv1a(std::string_view text, std::uint64_t h = 0xcbf29ce484222325ull) noexcept
{
    for (unsigned char c : text) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    return h;
}

/// SplitMix64: a bijective mixer, used for picture seeds and task ids.
inline std::uint64_t splitmix64(std::uint64_t x) noexcept
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

namespace detail {

inline void put_u32(std::string& out, std::uint32_t v)
{
    out.push_back(static_cast<char>((v >> 24) & 0xFFu));
    out.push_back(static_cast<char>((v >> 16) & 0xFFu));
    out.push_back(static_cast<char>((v >> 8) & 0xFFu));
    out.push_back(static_cast<char>(v & 0xFFu));
}

inline void put_chunk(std::string& out, const char (&type)[5], const std::string& data)
{
    put_u32(out, static_cast<std::uint32_t>(data.size()));
    std::size_t start = out.size();
    out.append(type, 4);
    out += data;
    auto crc = crc32(reinterpret_cast<const unsigned char*>(out.data() + start), out.size() - start);
    put_u32(out, crc);
}

} // namespace detail

/// Encodes PNG scanlines `raw` (each row: a filter-type byte, then width*3 RGB bytes) as an
/// 8-bit RGB PNG. Builds the file in one buffer: a fresh 25 MB buffer costs ~6,000 page faults,
/// which on this machine took longer than the checksums. Returns an empty string when the sizes
/// do not agree or a dimension is zero.
inline std::string encode_png_scanlines(std::uint32_t width, std::uint32_t height, const std::vector<unsigned char>& raw)
{
    if (width == 0 || height == 0 || raw.size() != (std::size_t(width) * 3 + 1) * height) return {};
    std::string ihdr;
    detail::put_u32(ihdr, width);
    detail::put_u32(ihdr, height);
    ihdr.push_back(8);  // bit depth
    ihdr.push_back(2);  // colour type: truecolour
    ihdr.push_back(0);  // compression: deflate
    ihdr.push_back(0);  // filter method 0
    ihdr.push_back(0);  // no interlace

    // zlib stream: header (deflate, 32K window, no dictionary, check bits), stored blocks, Adler-32.
    const std::size_t blocks = (raw.size() + 65534) / 65535;  // stored blocks of at most 65535 bytes
    const std::size_t z_size = 2 + raw.size() + blocks * 5 + 4;
    std::string out("\x89PNG\r\n\x1a\n", 8);
    out.reserve(8 + (12 + ihdr.size()) + (12 + z_size) + 12);
    detail::put_chunk(out, "IHDR", ihdr);
    detail::put_u32(out, static_cast<std::uint32_t>(z_size));
    const std::size_t idat = out.size();
    out.append("IDAT", 4);
    out.push_back(static_cast<char>(0x78));
    out.push_back(static_cast<char>(0x01));
    std::size_t pos = 0;
    do {
        std::size_t n = raw.size() - pos;
        if (n > 65535) n = 65535;
        bool last = pos + n == raw.size();
        out.push_back(static_cast<char>(last ? 1 : 0)); // BFINAL, BTYPE=00 (stored)
        auto len = static_cast<std::uint16_t>(n);
        auto nlen = static_cast<std::uint16_t>(~len);
        out.push_back(static_cast<char>(len & 0xFFu));
        out.push_back(static_cast<char>(len >> 8));
        out.push_back(static_cast<char>(nlen & 0xFFu));
        out.push_back(static_cast<char>(nlen >> 8));
        out.append(reinterpret_cast<const char*>(raw.data() + pos), n);
        pos += n;
    } while (pos < raw.size());
    detail::put_u32(out, adler32(raw.data(), raw.size()));
    detail::put_u32(out, crc32(reinterpret_cast<const unsigned char*>(out.data() + idat), out.size() - idat));
    detail::put_chunk(out, "IEND", std::string());
    return out;
}

/// Encodes an 8-bit RGB image (`rgb` holds width*height*3 bytes, rows top to bottom) as a PNG.
/// Returns an empty string when the sizes do not agree or a dimension is zero.
inline std::string encode_png_rgb(std::uint32_t width, std::uint32_t height, const std::vector<unsigned char>& rgb)
{
    if (width == 0 || height == 0 || rgb.size() != std::size_t(width) * height * 3) return {};

    // Raw scanlines: a filter-type byte (0, none) before each row.
    std::vector<unsigned char> raw;
    const std::size_t row = std::size_t(width) * 3;
    raw.reserve((row + 1) * height);
    for (std::uint32_t y = 0; y < height; ++y) {
        raw.push_back(0);
        raw.insert(raw.end(), rgb.begin() + static_cast<std::ptrdiff_t>(y * row),
                   rgb.begin() + static_cast<std::ptrdiff_t>((y + 1) * row));
    }
    return encode_png_scanlines(width, height, raw);
}

/// What a seed draws (make_picture_png): a diagonal gradient from `c0` (top left) to `c1`,
/// its colour at (x, y) `(c0 * (w + h - (x + y)) + c1 * (x + y)) / (w + h)` per channel, then
/// four circles, each over the pixels with dx * dx + dy * dy <= r * r, in order.
struct picture_plan {
    unsigned char c0[3], c1[3];
    struct circle {
        long cx, cy, r;
        unsigned char c[3];
    } circles[4];
};

/// The plan of the picture for `seed` at `width` x `height` (both non-zero).
inline picture_plan plan_picture(std::uint64_t seed, std::uint32_t width, std::uint32_t height)
{
    picture_plan p;
    std::uint64_t s = splitmix64(seed);
    auto next = [&s] {
        s = splitmix64(s);
        return s;
    };
    for (int i = 0; i < 3; ++i) {
        p.c0[i] = static_cast<unsigned char>(next() & 0xFFu);
        p.c1[i] = static_cast<unsigned char>(next() & 0xFFu);
    }
    for (auto& c : p.circles) {
        c.cx = static_cast<long>(next() % width);
        c.cy = static_cast<long>(next() % height);
        c.r = static_cast<long>(next() % (std::max<std::uint32_t>(width, height) / 4 + 1)) + 2;
        for (auto& k : c.c) k = static_cast<unsigned char>(next() & 0xFFu);
    }
    return p;
}

/// A deterministic picture for `seed`: a two-colour diagonal gradient with a few circles, so
/// that different seeds give visibly (and byte-wise) different images. The gradient's colour
/// depends on x + y alone and is looked up; each circle covers one run of pixels per row.
/// (A 3840x2160 picture took 430-500 ms drawn pixel by pixel with three divisions each, on
/// the emulator's server thread while a client downloads; the bytes are the same.)
inline std::string make_picture_png(std::uint64_t seed, std::uint32_t width, std::uint32_t height)
{
    if (width == 0 || height == 0) return {};
    // The scanlines themselves: each row's filter-type byte (0, none), then its pixels.
    const std::size_t stride = std::size_t(width) * 3 + 1;
    std::vector<unsigned char> raw(stride * height);
    const picture_plan plan = plan_picture(seed, width, height);
    const auto& c0 = plan.c0;
    const auto& c1 = plan.c1;
    const std::uint64_t span = std::uint64_t(width) + height;
    std::vector<unsigned char> gradient(span * 3);  // the colour at x + y = t
    for (std::uint64_t t = 0; t + 1 < span; ++t)
        for (std::size_t i = 0; i < 3; ++i)
            gradient[t * 3 + i] = static_cast<unsigned char>((c0[i] * (span - t) + c1[i] * t) / span);
    for (std::uint32_t y = 0; y < height; ++y) {
        unsigned char* row = &raw[std::size_t(y) * stride + 1];
        std::copy_n(&gradient[std::size_t(y) * 3], std::size_t(width) * 3, row);
        for (const auto& c : plan.circles) {
            // The pixels with dx * dx + dy * dy <= r * r: |dx| <= the largest d with d * d <= left.
            const long dy = static_cast<long>(y) - c.cy, left = c.r * c.r - dy * dy;
            if (left < 0) continue;
            long d = c.r;
            while (d * d > left) --d;
            const long x0 = std::max(0L, c.cx - d), x1 = std::min(static_cast<long>(width) - 1, c.cx + d);
            for (long x = x0; x <= x1; ++x) std::copy_n(c.c, 3, row + x * 3);
        }
    }
    return encode_png_scanlines(width, height, raw);
}

} // namespace akool_emulator

#endif
