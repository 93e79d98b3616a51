// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_MODEL_HPP
#define AKOOL_MODEL_HPP

/// @file model.hpp
/// Plain value types of the image API: requests, tasks, results. Standard library only:
/// including this header pulls in no Boost, Asio or OpenSSL header.

#include <akool/config.hpp>
#include <akool/detail/utf8.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace akool {

/// Aspect ratio of the generated image (JSON field `scale`).
/// `original` keeps the source image's ratio and is valid for image-to-image only.
enum class image_scale {
    ratio_1_1,   ///< "1:1", the service's default
    ratio_3_2,   ///< "3:2"
    ratio_4_3,   ///< "4:3"
    ratio_16_9,  ///< "16:9"
    ratio_2_3,   ///< "2:3"
    ratio_3_4,   ///< "3:4"
    ratio_9_16,  ///< "9:16"
    original,    ///< "Original": the source image's ratio (image-to-image only)
};

/// Every documented scale, in the order of the service's documentation.
inline constexpr std::array<image_scale, 8> all_scales = {
    image_scale::ratio_1_1, image_scale::ratio_3_2, image_scale::ratio_4_3, image_scale::ratio_16_9,
    image_scale::ratio_2_3, image_scale::ratio_3_4, image_scale::ratio_9_16, image_scale::original};

/// Output resolution (JSON field `resolution`). The service defaults to 4k.
enum class image_resolution {
    p1080,  ///< "1080p"
    k4,     ///< "4k", the service's default
};

/// Every documented resolution.
inline constexpr std::array<image_resolution, 2> all_resolutions = {image_resolution::p1080, image_resolution::k4};

/// Status of a generation task (`image_status`). The enum holds any integer the service
/// sends: a value outside the four documented ones is kept, never lost (see `is_known`).
enum class image_status : int {
    queueing = 1,    ///< accepted, waiting to run
    processing = 2,  ///< running
    completed = 3,   ///< done: `image_result::image_url` holds the image
    failed = 4,      ///< the generation failed
};

/// The kind of generation a task performs (`sub_type`). Other integers are kept as-is.
enum class image_sub_type : int {
    text_to_image = 40001,   ///< generated from the prompt alone
    image_to_image = 40002,  ///< a transformed source image
};

/// Whether a request transforms a source image or generates from text alone.
enum class generation_mode {
    text_to_image,   ///< no source image
    image_to_image,  ///< `source_images` given
};

/// The documented model names. Any other string stays expressible in `image_request::model_name`.
namespace models {
/// The default model of a text-to-image request.
inline constexpr std::string_view text_to_image = "wavespeed-ai/flux-krea-dev-lora";
/// The default model of an image-to-image request.
inline constexpr std::string_view image_to_image = "wavespeed-ai/flux-kontext-dev";
} // namespace models

/// The wire spelling of a scale ("16:9", "Original", ...). Empty for a value outside the enum.
constexpr std::string_view to_string(image_scale s) noexcept
{
    switch (s) {
    case image_scale::ratio_1_1: return "1:1";
    case image_scale::ratio_3_2: return "3:2";
    case image_scale::ratio_4_3: return "4:3";
    case image_scale::ratio_16_9: return "16:9";
    case image_scale::ratio_2_3: return "2:3";
    case image_scale::ratio_3_4: return "3:4";
    case image_scale::ratio_9_16: return "9:16";
    case image_scale::original: return "Original";
    }
    return {};
}

/// The wire spelling of a resolution ("1080p" or "4k"). Empty for a value outside the enum.
constexpr std::string_view to_string(image_resolution r) noexcept
{
    switch (r) {
    case image_resolution::p1080: return "1080p";
    case image_resolution::k4: return "4k";
    }
    return {};
}

/// A status's name ("queueing", "processing", "completed", "failed"), or "unknown".
constexpr std::string_view to_string(image_status s) noexcept
{
    switch (s) {
    case image_status::queueing: return "queueing";
    case image_status::processing: return "processing";
    case image_status::completed: return "completed";
    case image_status::failed: return "failed";
    }
    return "unknown";
}

/// Parses the wire spelling of a scale; exact match, as the service compares.
constexpr std::optional<image_scale> parse_scale(std::string_view text) noexcept
{
    for (image_scale s : all_scales)
        if (to_string(s) == text) return s;
    return std::nullopt;
}

/// Parses "1080p" or "4k".
constexpr std::optional<image_resolution> parse_resolution(std::string_view text) noexcept
{
    for (image_resolution r : all_resolutions)
        if (to_string(r) == text) return r;
    return std::nullopt;
}

/// True for the documented statuses 1 to 4.
constexpr bool is_known(image_status s) noexcept
{
    int v = static_cast<int>(s);
    return v >= 1 && v <= 4;
}

/// True when the task will not change any more (completed or failed).
constexpr bool is_terminal(image_status s) noexcept
{
    return s == image_status::completed || s == image_status::failed;
}

/// The body of a create call (`createBySourcePrompt`, v4). Every optional field left unset is
/// omitted from the JSON so that the service's documented default applies.
struct image_request {
    std::string prompt;                           ///< required, not blank
    std::optional<std::string> model_name;        ///< unset: chosen from `source_images`
    std::vector<std::string> source_images;       ///< non-empty means image-to-image; only the first is used
    std::optional<image_scale> scale;             ///< default 1:1
    std::optional<image_resolution> resolution;   ///< default 4k
    std::optional<int> batch_quantity;            ///< 1 to 4, default 1; each image is charged
    std::optional<double> similar;                ///< 0 to 1, default 0.5; image-to-image only
    std::optional<std::string> negative_prompt;   ///< what to exclude
    std::optional<std::string> webhook_url;       ///< JSON field `webhookurl`

    /// A text-to-image request for `prompt`, every other field at the service's default.
    static image_request text_to_image(std::string prompt)
    {
        image_request r;
        r.prompt = std::move(prompt);
        return r;
    }

    /// An image-to-image request transforming `source_url` as `prompt` describes.
    static image_request image_to_image(std::string prompt, std::string source_url)
    {
        image_request r;
        r.prompt = std::move(prompt);
        r.source_images.push_back(std::move(source_url));
        return r;
    }
};

/// The service's documented model selection: source images present means image-to-image.
inline generation_mode mode_of(const image_request& req) noexcept
{
    return req.source_images.empty() ? generation_mode::text_to_image : generation_mode::image_to_image;
}

/// The model the service runs for `req`: `model_name` when set, otherwise the documented
/// default for the request's mode.
inline std::string_view effective_model(const image_request& req) noexcept
{
    if (req.model_name) return *req.model_name;
    return mode_of(req) == generation_mode::image_to_image ? models::image_to_image : models::text_to_image;
}

/// The mode a documented model name implies; nullopt for a model this library does not know.
constexpr std::optional<generation_mode> mode_of_model(std::string_view model_name) noexcept
{
    if (model_name == models::text_to_image) return generation_mode::text_to_image;
    if (model_name == models::image_to_image) return generation_mode::image_to_image;
    return std::nullopt;
}

/// The `sub_type` the service reports for a mode.
constexpr image_sub_type sub_type_of(generation_mode m) noexcept
{
    return m == generation_mode::image_to_image ? image_sub_type::image_to_image : image_sub_type::text_to_image;
}

/// The number of images a request asks for (the service's default is 1).
inline int image_count(const image_request& req) noexcept { return req.batch_quantity.value_or(1); }

/// The longest task id accepted (`is_valid_task_id`).
inline constexpr std::size_t max_task_id_size = 64;

namespace detail {

/// True when `stem` is a name Windows keeps for a device (CON, PRN, AUX, NUL, COM0 to COM9,
/// LPT0 to LPT9, in any letter case): a file "NUL.png" there is the null device, so an image
/// "saved" under it is lost.
constexpr bool is_windows_device_name(std::string_view stem) noexcept
{
    if (stem.size() != 3 && stem.size() != 4) return false;
    char l[3] = {};
    for (std::size_t i = 0; i < 3; ++i)
        l[i] = (stem[i] >= 'A' && stem[i] <= 'Z') ? static_cast<char>(stem[i] - 'A' + 'a') : stem[i];
    const std::string_view head(l, 3);
    if (stem.size() == 3) return head == "con" || head == "prn" || head == "aux" || head == "nul";
    return (head == "com" || head == "lpt") && stem[3] >= '0' && stem[3] <= '9';
}

/// `is_valid_task_id`'s rule in words, for the messages that refuse an id or a file name.
inline constexpr std::string_view task_id_rule =
    "1 to 64 characters of A-Z, a-z, 0-9, _ and -, other than a Windows device name (CON, PRN, AUX, NUL, "
    "COM0 to COM9, LPT0 to LPT9)";

} // namespace detail

/// The documented shape of a task id: 1 to 64 characters of `A-Z a-z 0-9 _ -` (the service's
/// ids are 24 hex digits), and not a name Windows keeps for a device (`CON`, `NUL`, `COM1`, ...
/// in any letter case). A task id is service data: only an id of this shape becomes a file
/// name (`generate` with an output directory, `akool-image wait --out`); anything else (`..`,
/// a path, a NUL, an empty or huge id, a device) is refused with `error::invalid_task_id`
/// before any file is written.
constexpr bool is_valid_task_id(std::string_view id) noexcept
{
    if (id.empty() || id.size() > max_task_id_size) return false;
    for (char c : id) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok) return false;
    }
    return !detail::is_windows_device_name(id);
}

/// The key under which file name stems are compared: `stem` with its ASCII letters in lower
/// case. Stems with one key name one file on a case-insensitive file system (macOS's and
/// Windows's defaults): `generate` with an output directory, and `akool-image batch` in its
/// directory, give each key to one image.
inline std::string file_stem_key(std::string_view stem) { return detail::lowercase_ascii(stem); }

/// `text` as one printable line, for a log or a terminal: control characters (CR, LF, ESC,
/// DEL, the C1 range), line separators, bidi controls and bytes of no UTF-8 character become
/// escapes (a backslash, then `x` and two hex digits, or `u` and four); a `text` longer than
/// `max_bytes` is cut, with a note of its size. The escaping of `diagnostics::summary()`, for
/// service data you print yourself (a callback's task id or URL).
inline std::string printable(std::string_view text, std::size_t max_bytes = std::string_view::npos)
{
    std::string out;
    detail::append_printable(out, text, max_bytes);
    return out;
}

namespace detail {

/// A task id as a message may quote it: in double quotes, printable (quote_printable),
/// cut after 40 bytes with its length appended.
inline std::string quote_task_id(std::string_view id) { return quote_printable(id, 40); }

} // namespace detail

/// One generation task as create returns it (an element of `data`). Keep `id`: it is the
/// handle for get-result. Fields the reply leaves out stay empty or unset.
struct image_task {
    std::string id;                                ///< `_id`, the task id
    image_status status = image_status::queueing;  ///< `image_status`
    std::optional<std::int64_t> uid;               ///< `uid`
    std::string team_id;                           ///< `team_id`
    std::optional<std::int64_t> create_time;       ///< milliseconds since the epoch
    std::string prompt;                            ///< `prompt`
    std::string origin_prompt;                     ///< `origin_prompt`
    std::string source_image;                      ///< `source_image`
    std::optional<std::int64_t> sub_status;        ///< `image_sub_status`
    std::optional<std::int64_t> deduction_credit;  ///< `deduction_credit`: credits charged
    std::string model_name;                        ///< `model_name`
    std::string provider;                          ///< `provider`
    std::optional<std::int64_t> type;              ///< `type` (4 in the documented examples)
    std::optional<std::int64_t> from;              ///< `from`
    std::optional<image_sub_type> sub_type;        ///< `sub_type`
    std::string file_name;                         ///< `file_name`
};

/// The state of a task as get-result returns it.
struct image_result {
    std::string id;                                ///< `_id`
    image_status status = image_status::queueing;  ///< `image_status`
    std::string image_url;                         ///< `image`: the result, set when completed
    std::optional<std::int64_t> create_time;       ///< milliseconds since the epoch
    std::optional<std::int64_t> uid;               ///< `uid`
    std::optional<std::int64_t> type;              ///< `type` (4 in the documented examples)
    std::optional<std::int64_t> deduction_credit;  ///< `deduction_credit`: credits charged
    std::vector<std::string> upscaled_urls;        ///< string elements of `upscaled_urls`
};

/// Credentials for the token endpoint (`POST /api/open/v3/getToken`).
struct client_credentials {
    std::string client_id;      ///< `clientId`
    std::string client_secret;  ///< `clientSecret`; the library puts it in no message
};

} // namespace akool

#endif
