// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_SANSIO_DOWNLOAD_HPP
#define AKOOL_DETAIL_SANSIO_DOWNLOAD_HPP

// The download algorithm, without network I/O: which URL to fetch next (redirects: 301, 302,
// 303, 307, 308, at most 5 hops, absolute or relative Location, never https to http, no
// loop), and where the body goes as it arrives (the request's body sink: the image check on
// the first bytes, and on the last ones of a body framed by the connection's close; the size
// limit; a string or a temporary file renamed into place only on success). Each hop is one
// exchange (sansio/exchange.hpp) run by a driver: the async download op (client_ops.hpp) or
// the blocking one (client.hpp). No Asio include here.

#include <akool/diagnostics.hpp>
#include <akool/error.hpp>
#include <akool/transport.hpp>
#include <akool/workflow.hpp>
#include <akool/detail/atomic_file.hpp>
#include <akool/detail/protocol.hpp>
#include <akool/detail/string_room.hpp>
#include <akool/detail/url.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace akool {
namespace detail {
namespace sansio {

// The statuses a download follows.
inline bool is_redirect_status(int status) noexcept
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// What a driver does after an exchange of a download ended.
enum class redirect_action {
    follow,  // fetch url() (the next hop)
    fail,    // the redirect is refused: error() and message() say why
    done,    // the exchange's own outcome is the download's
};

// The redirect decision: given the status and Location of the reply to url(), follow,
// refuse or finish.
class redirect_algo {
public:
    static constexpr unsigned max_hops = 5;

    explicit redirect_algo(std::string url) : url_(std::move(url)) {}

    // The URL to fetch now.
    const std::string& url() const noexcept { return url_; }
    // Redirects followed so far.
    unsigned hops() const noexcept { return hops_; }

    // The exchange of url() ended with `ec` after a reply with `status` (0 when none came) and
    // `location` (its Location header). The status decides, not the body: a redirect whose
    // body looks like an API reply (`{"code":302}`) is followed like any other.
    redirect_action resume(const error_code& ec, int status, std::string_view location)
    {
        if (!ec || !is_redirect_status(status)) return redirect_action::done;
        // URLs are named without their query strings (url_for_message).
        const std::string hop = " (HTTP " + std::to_string(status) + " from " + url_for_message(url_) +
                                ", redirect " + std::to_string(hops_ + 1) + ")";
        std::string next;
        if (location.empty()) return fail(error::bad_redirect, "a redirect without a Location header" + hop);
        if (!resolve_url_reference(url_, location, next))
            return fail(error::bad_redirect, "a redirect whose Location is not an http(s) URL reference" + hop);
        url_parts from, to;
        parse_http_url(url_, from);
        parse_http_url(next, to);
        if (from.tls && !to.tls)
            return fail(error::insecure_redirect,
                        "refused a redirect from https to plain http, to " + url_for_message(next) + hop);
        if (next == url_ || std::find(seen_.begin(), seen_.end(), next) != seen_.end())
            return fail(error::too_many_redirects,
                        "a redirect loop: " + url_for_message(next) + " was already fetched" + hop);
        if (hops_ >= max_hops)
            return fail(error::too_many_redirects, "more than " + std::to_string(max_hops) +
                                                       " redirects; the next one pointed at " +
                                                       url_for_message(next) + hop);
        seen_.push_back(std::move(url_));
        url_ = std::move(next);
        ++hops_;
        return redirect_action::follow;
    }

    const error_code& error() const noexcept { return ec_; }
    const std::string& message() const noexcept { return message_; }

private:
    redirect_action fail(akool::error e, std::string message)
    {
        ec_ = make_error_code(e);
        message_ = std::move(message);
        return redirect_action::fail;
    }

    std::string url_;
    std::vector<std::string> seen_;
    unsigned hops_ = 0;
    error_code ec_;
    std::string message_;
};

// Whether a body that starts as an `ext` image (image_extension of `head`, its first bytes)
// also ends as one: `tail` holds its last bytes (up to image_tail_bytes), `size` counts all
// of them. PNG: its IEND chunk; JPEG: its EOI marker; both anywhere in the tail, so that up to
// 4 KiB after them (a phone's trailer, padding) pass. GIF: its trailer byte, last but for
// whitespace or NUL padding. WebP: as long as its RIFF header says. Another extension (no
// image check) passes. A body cut short fails, except by chance: a GIF cut after a ';' byte
// (1 in 256), a JPEG cut within 4 KiB after an embedded thumbnail's EOI. Longer trailers (a
// Motion Photo's video) fail: served without a length, such a file cannot be told whole.
constexpr std::size_t image_tail_bytes = 4096;
inline bool image_ends_whole(std::string_view ext, std::string_view head, std::string_view tail,
                             std::uint64_t size) noexcept
{
    if (ext == ".png") return tail.find(std::string_view("IEND\xae\x42\x60\x82", 8)) != std::string_view::npos;
    if (ext == ".jpg") return tail.find("\xff\xd9") != std::string_view::npos;
    if (ext == ".gif") {
        const auto last = tail.find_last_not_of(std::string_view(" \t\r\n\0", 5));
        return last != std::string_view::npos && tail[last] == ';';
    }
    if (ext == ".webp" && head.size() >= 8) {
        std::uint64_t riff = 0;
        for (int i = 7; i >= 4; --i) riff = riff << 8 | static_cast<unsigned char>(head[static_cast<std::size_t>(i)]);
        return size >= riff + 8;
    }
    return ext != ".webp";
}

// Where a download's body goes.
struct download_target {
    std::string path;            // the file; empty: to memory
    bool add_extension = false;  // path + the extension the first bytes imply (generate)
};

// One download: its redirects and its body, chunk by chunk, into memory or a temporary file.
class download_algo {
public:
    // `public_address_only`: each hop's request asks the transport for a public address
    // (the client's decision from `opts.addresses`: detail/address_policy.hpp).
    download_algo(std::string url, const download_options& opts, download_target target,
                  bool public_address_only = false)
        : redirects_(std::move(url)), max_bytes_(opts.max_bytes), require_image_(opts.require_image),
          sync_to_disk_(opts.sync_to_disk), public_address_only_(public_address_only), target_(std::move(target)),
          on_progress_(opts.on_progress)
    {
    }
    download_algo(const download_algo&) = delete;
    download_algo& operator=(const download_algo&) = delete;

    // The request of the current hop: a GET without credentials (downloads never carry the
    // API key or a token, whatever the host), its body into this object.
    http_request request(error_code& ec, diagnostics& diag)
    {
        std::string why;
        if (refuses_nul_in_path(target_.path, "the file's path", ec, why)) {  // nothing is sent
            diag.client_message = std::move(why);
            return {};
        }
        http_request r = make_download_request(redirects_.url(), max_bytes_, ec, diag);
        r.public_address_only = public_address_only_;
        const bool wants_length = on_progress_ || target_.path.empty();  // progress, or memory to reserve
        r.body_sink = {&download_algo::on_chunk, this, wants_length ? &download_algo::on_length : nullptr};
        return r;
    }

    // The reply of one attempt (before the exchange classifies it): keeps the status and
    // Location, and starts the body again when the attempt failed (a retry may follow).
    void see_reply(const error_code& ec, const http_response& r)
    {
        status_ = ec ? 0 : r.status;
        location_ = ec ? std::string() : std::string(r.header("Location"));
        ended_by_close_ = !ec && r.ended_by_close;
        if (ec && !sink_ec_) restart();
    }

    // The exchange of the current hop ended with `ec`: true when the next hop is to be
    // fetched (request() gives it); false when the download is over, `ec` and `diag` then
    // say how (call finish()).
    bool resume(error_code& ec, diagnostics& diag)
    {
        if (sink_ec_) {
            ec = sink_ec_;
            diag.client_message = sink_detail_;
            return false;
        }
        switch (redirects_.resume(ec, status_, location_)) {
        case redirect_action::follow:
            restart();
            ec.clear();
            reset_attempt(diag);  // what the redirect's reply said is not the download's outcome
            return true;
        case redirect_action::fail:
            ec = redirects_.error();
            diag.client_message = redirects_.message();
            return false;
        case redirect_action::done:
            if (ec) {  // the image host's failure: named, without the query string
                std::string what = "downloading " + url_for_message(redirects_.url());
                if (!diag.client_message.empty()) what += ": " + diag.client_message;
                diag.client_message = std::move(what);
            }
            break;
        }
        return false;
    }

    // Ends the download with `ec`: on success the image check of a short body, and of the
    // end of a body the close framed, then the file's flush, optional fsync and rename; on
    // failure nothing stays on disk.
    void finish(error_code& ec, diagnostics& diag)
    {
        if (!ec) {
            if (!decided_) decide(ec);  // a body shorter than the magic bytes
            if (!ec && require_image_ && ended_by_close_ && !image_ends_whole(ext_, head_, tail_, size_))
                refuse(make_error_code(error::not_an_image),
                       "the image (" + std::string(ext_) + ") ends early, after " + std::to_string(size_) +
                           " bytes: the reply had no Content-Length and the connection closed before the "
                           "image's end (a body cut short)",
                       ec);
            if (!ec && file_.is_open()) {
                path_ = target_.add_extension ? target_.path + std::string(ext_) : target_.path;
                file_.commit(path_, sync_to_disk_, ec, sink_detail_);
            }
            if (ec) diag.client_message = sink_detail_;
        }
        if (ec) {
            file_.abort();
            data_.clear();
            path_.clear();
            size_ = 0;
        }
    }

    // The outcome, after finish().
    std::string& data() noexcept { return data_; }                // to memory
    const std::string& path() const noexcept { return path_; }    // the file written
    std::uint64_t size() const noexcept { return size_; }         // bytes of the body
    const redirect_algo& redirects() const noexcept { return redirects_; }

private:
    static constexpr std::size_t magic_bytes = 12;  // enough for image_extension (WebP)

    static void on_chunk(void* self, std::string_view chunk, error_code& ec)
    {
        static_cast<download_algo*>(self)->write(chunk, ec);
    }
    static void on_length(void* self, std::uint64_t bytes) { static_cast<download_algo*>(self)->length(bytes); }

    // The reply's Content-Length: to memory, the string holds the body exactly, with no
    // copy as it grows (a length past the limit is refused when the bytes reach it).
    void length(std::uint64_t bytes)
    {
        total_ = bytes;
        if (target_.path.empty() && bytes <= max_bytes_ && bytes > data_.capacity())
            reserve_exactly(data_, static_cast<std::size_t>(std::min<std::uint64_t>(bytes, max_bytes_)));
    }

    void write(std::string_view chunk, error_code& ec)
    {
        if (sink_ec_) {  // an attempt after a refused one fails the same way
            ec = sink_ec_;
            return;
        }
        if (size_ + chunk.size() > max_bytes_)
            return refuse(make_error_code(error::response_too_large),
                          "the image exceeds the limit of " + std::to_string(max_bytes_) + " bytes", ec);
        size_ += chunk.size();
        if (require_image_) keep_tail(chunk);
        if (!decided_) {
            std::size_t take = std::min(magic_bytes - head_.size(), chunk.size());
            head_.append(chunk.data(), take);
            chunk.remove_prefix(take);
            if (head_.size() < magic_bytes) return report();
            if (!decide(ec)) return;
        }
        emit(chunk, ec);
        report();
    }

    // The last image_tail_bytes of the body so far.
    void keep_tail(std::string_view chunk)
    {
        if (chunk.size() >= image_tail_bytes) {
            tail_.assign(chunk.data() + chunk.size() - image_tail_bytes, image_tail_bytes);
            return;
        }
        tail_.append(chunk.data(), chunk.size());
        if (tail_.size() > image_tail_bytes) tail_.erase(0, tail_.size() - image_tail_bytes);
    }

    // The progress event of the bytes taken so far (none after a refusal).
    void report() const
    {
        if (!on_progress_ || sink_ec_) return;
        download_progress p;
        p.received = size_;
        p.total = total_;
        p.path = target_.path;
        on_progress_(p);
    }

    // The image check on the first bytes; opens the file and writes them.
    bool decide(error_code& ec)
    {
        decided_ = true;
        ext_ = image_extension(head_);
        if (require_image_ && ext_.empty()) {
            refuse(make_error_code(error::not_an_image),
                   "the downloaded content is not a PNG, JPEG, GIF or WebP image (by its first bytes)", ec);
            return false;
        }
        if (!target_.path.empty()) {
            error_code fec;
            if (!file_.open(target_.path, fec, sink_detail_)) {
                refuse(fec, sink_detail_, ec);
                return false;
            }
        }
        emit(head_, ec);
        return !ec;
    }

    void emit(std::string_view bytes, error_code& ec)
    {
        if (!file_.is_open()) {
            // Without a length: a body near the limit does not hold twice its size.
            grow_within(data_, data_.size() + bytes.size(), max_bytes_);
            data_.append(bytes.data(), bytes.size());
            return;
        }
        error_code fec;
        std::string detail;
        if (!file_.write(bytes, fec, detail)) refuse(fec, std::move(detail), ec);
    }

    void refuse(error_code e, std::string detail, error_code& ec)
    {
        sink_ec_ = ec = e;
        sink_detail_ = std::move(detail);
        file_.abort();
    }

    void restart()
    {
        file_.abort();
        data_.clear();
        head_.clear();
        tail_.clear();
        ended_by_close_ = false;
        size_ = 0;
        total_.reset();
        decided_ = false;
        ext_ = {};
    }

    redirect_algo redirects_;
    std::size_t max_bytes_;
    bool require_image_;
    bool sync_to_disk_;
    bool public_address_only_;
    download_target target_;
    int status_ = 0;
    std::string location_;
    bool ended_by_close_ = false;
    std::string head_;
    std::string tail_;
    std::string_view ext_;
    bool decided_ = false;
    std::uint64_t size_ = 0;
    std::optional<std::uint64_t> total_;
    std::function<void(const download_progress&)> on_progress_;
    std::string data_;
    atomic_file_writer file_;
    std::string path_;
    error_code sink_ec_;
    std::string sink_detail_;
};

// The decoder of a download's exchanges: the body went to the sink; it lets the algorithm
// see each reply's status and Location.
struct decode_streamed {
    // The image host's replies are no Akool envelope: a 403 with {"code":1101} is HTTP 403, not
    // a refusal of the API key (none is sent on a download), and a redirect's body says nothing.
    static constexpr bool api_envelope = false;
    download_algo* algo;
    bool operator()(std::string&, error_code& ec, diagnostics&) const
    {
        ec.clear();
        return true;
    }
    void see_reply(const error_code& ec, const http_response& r) const { algo->see_reply(ec, r); }
};

// What a download completes with, by the public operation's result type.
struct download_outcome {
    std::string data;       // to memory
    std::string path;       // the file written
    std::uint64_t size = 0; // bytes of the body
};
inline std::string take_download(download_algo& a, std::string*) { return std::move(a.data()); }
inline std::uint64_t take_download(download_algo& a, std::uint64_t*) { return a.size(); }
inline download_outcome take_download(download_algo& a, download_outcome*)
{
    return {std::move(a.data()), a.path(), a.size()};
}

} // namespace sansio
} // namespace detail
} // namespace akool

#endif
