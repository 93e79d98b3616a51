// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_IMPL_VALIDATE_IPP
#define AKOOL_IMPL_VALIDATE_IPP

// The request validator. Standard library and akool headers only: no Boost.JSON, Asio, Beast
// or OpenSSL, so that a TU that only builds and checks requests stays light.

#include <akool/config.hpp>
#include <akool/validate.hpp>
#include <akool/detail/url.hpp>
#include <akool/detail/utf8.hpp>

#include <charconv>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace akool {
namespace detail {
namespace validation {

// The most bytes of a user's value a message quotes.
inline constexpr std::size_t max_quoted = 80;

// Messages are built by `cat` from string_views rather than by chains of std::string
// operator+: one out-of-line append loop instead of an inlined allocation per `+`, which
// keeps the code generated for `validate` (inline in header-only mode) small. The message
// builders run only for a finding and are AKOOL_COLD: compiled for size, their call sites
// unlikely (a header-only TU that validates and encodes compiled 15% fewer instructions).
AKOOL_COLD inline std::string cat(std::initializer_list<std::string_view> parts)
{
    std::size_t n = 0;
    for (std::string_view p : parts) n += p.size();
    std::string out;
    out.reserve(n);
    for (std::string_view p : parts) out.append(p.data(), p.size());
    return out;
}

// The decimal digits of an integer, as a string_view for `cat` (std::to_string without the
// std::string).
class decimal {
public:
    template <class Int>
    explicit decimal(Int v) noexcept : decimal(static_cast<long long>(v), 0)
    {
    }
    operator std::string_view() const noexcept { return {buf_ + start_, sizeof buf_ - start_}; }

private:
    // One conversion for every integer type (the values are sizes and small enums).
    AKOOL_COLD decimal(long long v, int) noexcept
    {
        start_ = static_cast<std::size_t>(signed_decimal_ending_at(buf_ + sizeof buf_, v) - buf_);
    }
    char buf_[20];  // room for LLONG_MIN, "-9223372036854775808"
    std::size_t start_;
};

// NaN and the infinities without <cmath>.
inline bool is_nan(double v) noexcept { return v != v; }
inline bool is_inf(double v) noexcept
{
    return v == std::numeric_limits<double>::infinity() || v == -std::numeric_limits<double>::infinity();
}
inline bool is_finite(double v) noexcept { return !is_nan(v) && !is_inf(v); }

inline bool is_space(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// True when `s` is non-empty and holds nothing but ASCII white space.
inline bool is_blank(std::string_view s) noexcept
{
    if (s.empty()) return false;
    for (char c : s)
        if (!is_space(c)) return false;
    return true;
}

// `s` in double quotes, for a message: one printable line (detail::quote_printable), cut
// after `max_quoted` bytes.
AKOOL_COLD inline std::string quote(std::string_view s) { return quote_printable(s, max_quoted); }

// Adds a finding whose message is the concatenation of `message`.
AKOOL_COLD inline void add(std::vector<validation_issue>& out, std::string_view field, issue_code code,
                           severity sev, std::initializer_list<std::string_view> message)
{
    validation_issue i;
    i.field = std::string(field);
    i.code = code;
    i.severity = sev;
    i.message = cat(message);
    out.push_back(std::move(i));
}

// Reports a `value` that is not valid UTF-8: the service cannot read it (its JSON parser
// answers 1003), so nothing is sent. Names the field and the offset of the first bad byte.
inline void check_utf8(std::vector<validation_issue>& out, std::string_view field, std::string_view value)
{
    std::size_t at = utf8_invalid_offset(value);
    if (at == std::string_view::npos) return;
    static constexpr char hex[] = "0123456789ABCDEF";
    auto b = static_cast<unsigned char>(value[at]);
    const char byte[2] = {hex[b >> 4], hex[b & 15]};
    add(out, field, issue_code::invalid_utf8, severity::error,
        {field, " is not valid UTF-8: the byte at offset ", decimal(at), " (0x", std::string_view(byte, 2),
         ") does not start or continue a UTF-8 character; send text encoded as UTF-8"});
}

// Reports a `url` that check_http_url refused (`why`): quoted without its secrets, and why.
AKOOL_COLD inline void add_unusable_url(std::vector<validation_issue>& out, std::string_view field,
                                        std::string_view what, std::string_view url, url_refusal why)
{
    add(out, field, issue_code::invalid_url, severity::error, {refused_url_message(what, url, why), give_http_url});
}

inline void check_url(std::vector<validation_issue>& out, std::string_view field, std::string_view what,
                      std::string_view url)
{
    url_view parts;
    const url_refusal why = check_http_url(url, parts);
    if (why != url_refusal::none) add_unusable_url(out, field, what, url, why);
}

AKOOL_COLD inline std::string number(double v)
{
    if (is_nan(v)) return "NaN";
    if (is_inf(v)) return v > 0 ? "+infinity" : "-infinity";
    char buf[32];  // the shortest form that reads back as `v`: 1.0000001 is not rounded to 1
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, static_cast<std::size_t>(r.ptr - buf));
}

} // namespace validation
} // namespace detail

AKOOL_DECL std::vector<validation_issue> validate(const image_request& req)
{
    using namespace detail::validation;
    std::vector<validation_issue> out;
    const bool image_mode = mode_of(req) == generation_mode::image_to_image;

    // prompt
    if (req.prompt.empty())
        add(out, "prompt", issue_code::missing, severity::error,
            {"prompt is required: describe the image to generate"});
    else if (is_blank(req.prompt))
        add(out, "prompt", issue_code::blank, severity::error,
            {"prompt holds only white space: describe the image to generate"});
    check_utf8(out, "prompt", req.prompt);

    // model_name
    if (req.model_name) {
        const std::string& m = *req.model_name;
        if (m.empty() || is_blank(m)) {
            add(out, "model_name", issue_code::blank, severity::error,
                {"model_name is set but ", m.empty() ? "empty" : "blank",
                 ": leave it unset to let the service choose by source_images, or name a model such as \"",
                 models::text_to_image, "\""});
        } else if (auto mode = mode_of_model(m)) {
            if (*mode == generation_mode::text_to_image && image_mode)
                add(out, "model_name", issue_code::mode_mismatch, severity::error,
                    {"model_name ", quote(m), " is the text-to-image model but source_images is set: use \"",
                     models::image_to_image, "\", leave model_name unset, or remove the source images"});
            else if (*mode == generation_mode::image_to_image && !image_mode)
                add(out, "model_name", issue_code::mode_mismatch, severity::error,
                    {"model_name ", quote(m),
                     " is the image-to-image model but source_images is empty: add a source image URL, or use \"",
                     models::text_to_image, "\" or leave model_name unset"});
        }
        // Any other name is allowed: the service adds models.
        check_utf8(out, "model_name", m);
    }

    // source_images
    if (req.source_images.size() > 1)
        add(out, "source_images", issue_code::ignored, severity::warning,
            {"source_images holds ", decimal(req.source_images.size()),
             " URLs but the service uses only the first; send one request per source image instead"});
    for (std::size_t i = 0; i < req.source_images.size(); ++i) {
        std::string field = cat({"source_images[", decimal(i), "]"});
        std::string what = cat({"source image ", decimal(i)});
        check_url(out, field, what, req.source_images[i]);
        check_utf8(out, field, req.source_images[i]);
    }

    // scale
    if (req.scale) {
        image_scale s = *req.scale;
        if (to_string(s).empty())
            add(out, "scale", issue_code::invalid_value, severity::error,
                {"scale holds the value ", decimal(static_cast<int>(s)),
                 ", which is not a documented aspect ratio: use one of 1:1, 3:2, 4:3, 16:9, 2:3, 3:4, "
                 "9:16, or Original for image-to-image"});
        else if (s == image_scale::original && !image_mode)
            add(out, "scale", issue_code::mode_mismatch, severity::error,
                {"scale \"Original\" keeps the source image's ratio and needs a source image: add one to "
                 "source_images or choose a ratio such as 1:1"});
    }

    // resolution
    if (req.resolution && to_string(*req.resolution).empty())
        add(out, "resolution", issue_code::invalid_value, severity::error,
            {"resolution holds the value ", decimal(static_cast<int>(*req.resolution)),
             ", which is not documented: use 1080p or 4k"});

    // batch_quantity
    if (req.batch_quantity) {
        int n = *req.batch_quantity;
        if (n < 1 || n > 4)
            add(out, "batch_quantity", issue_code::out_of_range, severity::error,
                {"batch_quantity is ", decimal(n), " but must be 1 to 4 (each image is charged separately)"});
    }

    // similar
    if (req.similar) {
        double v = *req.similar;
        if (!is_finite(v))
            add(out, "similar", issue_code::not_finite, severity::error,
                {"similar is ", number(v), " but must be a number from 0 to 1 (default 0.5)"});
        else if (!(v >= 0.0 && v <= 1.0))
            add(out, "similar", issue_code::out_of_range, severity::error,
                {"similar is ", number(v), " but must be from 0 (more creative) to 1 (closer to the source image)"});
        if (!image_mode)
            add(out, "similar", issue_code::ignored, severity::warning,
                {"similar only applies to image-to-image requests and this one has no source_images: "
                 "the service ignores it"});
    }

    // negative_prompt: any UTF-8 string is accepted, the empty one included.
    if (req.negative_prompt) check_utf8(out, "negative_prompt", *req.negative_prompt);

    // webhookurl
    if (req.webhook_url) {
        check_url(out, "webhookurl", "webhookurl", *req.webhook_url);
        check_utf8(out, "webhookurl", *req.webhook_url);
    }

    return out;
}

} // namespace akool

#endif
