// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#define BOOST_TEST_MODULE error
#include <boost/test/unit_test.hpp>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <akool/diagnostics.hpp>
#include <akool/error.hpp>

#include <boost/system/generic_category.hpp>

#include <algorithm>
#include <set>
#include <string>

namespace bdata = boost::unit_test::data;
using namespace akool;

namespace {

// Every value of akool::error.
const error all_errors[] = {
    error::validation_failed,
    error::bad_response,
    error::http_status,
    error::generation_failed,
    error::timeout,
    error::unexpected_api_code,
    error::response_too_large,
    error::invalid_url,
    error::request_not_sent,
    error::outcome_unknown,
    error::not_an_image,
    error::no_credentials,
    error::webhook_bad_signature,
    error::webhook_stale,
    error::webhook_bad_base64,
    error::webhook_decrypt_failed,
    error::webhook_bad_json,
    error::webhook_missing_field,
    error::webhook_bad_credentials,
    error::webhook_duplicate,
    error::invalid_task_id,
    error::too_many_redirects,
    error::insecure_redirect,
    error::bad_redirect,
    error::proxy_refused,
    error::address_not_allowed,
    error::api_parameter_error,
    error::api_needs_verification,
    error::api_frequent_operation,
    error::api_insufficient_quota,
    error::api_content_not_found,
    error::api_no_permission,
    error::api_cannot_operate_content,
    error::api_invalid_authorization,
    error::api_authorization_empty,
    error::api_not_paid,
    error::api_insufficient_credit,
    error::api_generation_error,
    error::api_account_not_found,
    error::api_account_banned,
    error::api_subscription_required,
    error::api_subscription_required_1221,
};

bool listed(int v)
{
    return std::any_of(std::begin(all_errors), std::end(all_errors),
                       [v](error e) { return static_cast<int>(e) == v; });
}

// The category's fallback texts for values without a message of their own.
bool is_fallback(const std::string& m)
{
    return m.rfind("unknown akool error", 0) == 0 || m.rfind("the service answered with API code", 0) == 0;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

} // namespace

BOOST_AUTO_TEST_SUITE(error_codes)

BOOST_DATA_TEST_CASE(every_value_has_a_message, bdata::xrange(std::size(all_errors)), index)
{
    const error e = all_errors[index];
    const error_code ec = make_error_code(e);
    BOOST_TEST_CONTEXT("value " << static_cast<int>(e))
    {
        BOOST_TEST(ec.failed());
        BOOST_TEST(ec.value() == static_cast<int>(e));
        BOOST_TEST(!ec.message().empty());
        BOOST_TEST(!is_fallback(ec.message()), ec.message());
        // The buffer form agrees with the string form.
        char buf[8];
        BOOST_TEST(std::string(get_error_category().message(ec.value(), buf, sizeof(buf))) == ec.message());
        // An implicit conversion from the enum gives the same code.
        error_code implicit = e;
        BOOST_TEST((implicit == ec));
    }
}

BOOST_AUTO_TEST_CASE(messages_are_distinct)
{
    std::set<std::string> seen;
    for (error e : all_errors) seen.insert(make_error_code(e).message());
    BOOST_TEST(seen.size() == std::size(all_errors));
}

// The list above is the whole enum: every client value without a message is a fallback.
BOOST_AUTO_TEST_CASE(list_covers_client_range)
{
    for (int v = -2; v <= max_client_error + 1; ++v) {
        const std::string m = get_error_category().message(v);
        BOOST_TEST(is_fallback(m) == !listed(v), "value " << v << ": " << m);
        BOOST_TEST(!m.empty());
    }
}

// Every documented service code has its own message naming the number; an undocumented
// one falls back to a message that still names it.
BOOST_AUTO_TEST_CASE(documented_api_codes_name_their_number)
{
    for (int code : {1003, 1004, 1005, 1006, 1008, 1009, 1010, 1101, 1102, 1103, 1104, 1108, 1109, 1200, 1213, 1221}) {
        const std::string m = make_api_error(code).message();
        BOOST_TEST(!is_fallback(m), code << ": " << m);
        BOOST_TEST(contains(m, "API code " + std::to_string(code)), m);
    }
    BOOST_TEST(is_fallback(make_api_error(1007).message()));
    BOOST_TEST(contains(make_api_error(1007).message(), "1007"));
    BOOST_TEST(contains(make_api_error(1006).message(), "top up"));
    BOOST_TEST(contains(make_api_error(1104).message(), "top up"));
}

BOOST_AUTO_TEST_CASE(top_up_codes)
{
    BOOST_TEST(needs_top_up(1006));
    BOOST_TEST(needs_top_up(1104));
    for (int code : {0, 1000, 1003, 1005, 1101, 1103, 1108, 1213}) BOOST_TEST(!needs_top_up(code), code);
}

BOOST_AUTO_TEST_CASE(category_name)
{
    BOOST_TEST(std::string(get_error_category().name()) == "akool");
    BOOST_TEST(std::string(make_error_code(error::timeout).category().name()) == "akool");
    BOOST_TEST((&make_error_code(error::timeout).category() == &get_error_category()));
}

struct api_map_case {
    int code;
    int expected_value;
};
static const api_map_case api_map_cases[] = {
    {1003, static_cast<int>(error::api_parameter_error)},
    {1004, static_cast<int>(error::api_needs_verification)},
    {1005, static_cast<int>(error::api_frequent_operation)},
    {1006, static_cast<int>(error::api_insufficient_quota)},
    {1008, static_cast<int>(error::api_content_not_found)},
    {1009, static_cast<int>(error::api_no_permission)},
    {1010, static_cast<int>(error::api_cannot_operate_content)},
    {1103, static_cast<int>(error::api_not_paid)},
    {1104, static_cast<int>(error::api_insufficient_credit)},
    {1109, static_cast<int>(error::api_account_not_found)},
    {1213, static_cast<int>(error::api_subscription_required)},
    {1221, static_cast<int>(error::api_subscription_required_1221)},
    {1101, static_cast<int>(error::api_invalid_authorization)},
    {1102, static_cast<int>(error::api_authorization_empty)},
    {1108, static_cast<int>(error::api_generation_error)},
    {1200, static_cast<int>(error::api_account_banned)},
    {1234, 1234},
    {100, 100},
    {99, static_cast<int>(error::unexpected_api_code)},
    {5, static_cast<int>(error::unexpected_api_code)},
    {1, static_cast<int>(error::unexpected_api_code)},
    {0, static_cast<int>(error::unexpected_api_code)},
    {-1000, static_cast<int>(error::unexpected_api_code)},
};

BOOST_DATA_TEST_CASE(make_api_error_mapping, bdata::xrange(std::size(api_map_cases)), index)
{
    const api_map_case& c = api_map_cases[index];
    const error_code ec = make_api_error(c.code);
    BOOST_TEST_CONTEXT("code " << c.code)
    {
        BOOST_TEST(ec.value() == c.expected_value);
        BOOST_TEST((ec.category() == get_error_category()));
        BOOST_TEST(ec.failed());
        BOOST_TEST(is_api_error(ec) == (c.code > max_client_error));
    }
}

BOOST_AUTO_TEST_CASE(named_api_codes)
{
    BOOST_TEST((make_api_error(1003) == error::api_parameter_error));
    BOOST_TEST((make_api_error(1101) == error::api_invalid_authorization));
    BOOST_TEST((make_api_error(1102) == error::api_authorization_empty));
    BOOST_TEST((make_api_error(1108) == error::api_generation_error));
    BOOST_TEST((make_api_error(1200) == error::api_account_banned));
    BOOST_TEST((make_api_error(7) == error::unexpected_api_code));
    BOOST_TEST(!is_api_error(make_error_code(error::unexpected_api_code)));
}

BOOST_AUTO_TEST_CASE(unknown_api_code_keeps_number)
{
    const error_code ec = make_api_error(1234);
    BOOST_TEST(ec.value() == 1234);
    BOOST_TEST(contains(ec.message(), "1234"), ec.message());
    BOOST_TEST(is_api_error(ec));
    BOOST_TEST((ec != make_api_error(1235)));
}

BOOST_AUTO_TEST_CASE(is_api_error_cases)
{
    BOOST_TEST(is_api_error(make_error_code(error::api_account_banned)));
    BOOST_TEST(!is_api_error(make_error_code(error::validation_failed)));
    BOOST_TEST(!is_api_error(make_error_code(error::bad_response)));
    BOOST_TEST(!is_api_error(error_code()));
    // The same number in another category is not an API error.
    BOOST_TEST(!is_api_error(error_code(1003, boost::system::generic_category())));
}

BOOST_AUTO_TEST_CASE(codes_compare_equal_across_copies)
{
    const error_code a = make_error_code(error::bad_response);
    const error_code b = a;
    error_code c;
    c = make_api_error(1234);
    const error_code d = c;
    BOOST_TEST((a == b));
    BOOST_TEST((b == error::bad_response));
    BOOST_TEST((c == d));
    BOOST_TEST((d == make_api_error(1234)));
    BOOST_TEST((a != c));
    BOOST_TEST((a != make_error_code(error::http_status)));
    BOOST_TEST((a != error_code(a.value(), boost::system::generic_category())));
    // A copy through std::error_code keeps the identity too.
    const std::error_code sa = a;
    const std::error_code sb = b;
    BOOST_TEST((sa == sb));
    BOOST_TEST(sa.value() == a.value());
}

BOOST_AUTO_TEST_CASE(what_carries_diagnostics)
{
    diagnostics diag;
    diag.server_message = "Invalid authorization or the request token has expired";
    diag.api_code = 1101;
    diag.issues.push_back({"batch_quantity", issue_code::out_of_range, severity::error, "must be from 1 to 4"});
    const error_with_diagnostics ex(make_api_error(1101), diag);
    const std::string what = ex.what();
    BOOST_TEST(contains(what, "Invalid authorization or the request token has expired"), what);
    BOOST_TEST(contains(what, "batch_quantity"), what);
    BOOST_TEST((ex.code() == error::api_invalid_authorization));
    BOOST_TEST(ex.get_diagnostics().api_code == 1101);
    BOOST_TEST(ex.get_diagnostics().issues.size() == 1u);
}

// A finding whose message names its field (as the validator's do) shows the field once; one
// whose message does not is prefixed with it.
BOOST_AUTO_TEST_CASE(summary_names_an_issues_field_once)
{
    diagnostics diag;
    diag.issues.push_back({"prompt", issue_code::ignored, severity::warning, "prompt is long"});
    diag.issues.push_back({"batch_quantity", issue_code::out_of_range, severity::error,
                           "batch_quantity is 5 but must be 1 to 4"});
    BOOST_TEST(diag.summary() == "batch_quantity is 5 but must be 1 to 4");
    diag.issues[1].message = "must be 1 to 4";
    BOOST_TEST(diag.summary() == "batch_quantity: must be 1 to 4");
    BOOST_TEST(std::string(to_string(severity::error)) == "error");
    BOOST_TEST(std::string(to_string(severity::warning)) == "warning");
}

BOOST_AUTO_TEST_CASE(throw_on_error_behaviour)
{
    diagnostics diag;
    diag.client_message = "data._id: missing";
    BOOST_CHECK_NO_THROW(throw_on_error(error_code(), diag));
    bool caught = false;
    try {
        throw_on_error(make_error_code(error::bad_response), diag);
    } catch (const error_with_diagnostics& ex) {
        caught = true;
        BOOST_TEST((ex.code() == error::bad_response));
        BOOST_TEST(contains(ex.what(), "data._id: missing"), ex.what());
    }
    BOOST_TEST(caught);
}

// A summary goes to logs and terminals: whatever the service put in its message (or a task
// id holds), the line has no control byte, no C1 control, no byte outside UTF-8, and keeps
// printable text, escaped where it was not.
BOOST_AUTO_TEST_CASE(summary_is_one_printable_line_whatever_the_server_sent)
{
    diagnostics d;
    d.client_message = "the service refused the request";
    d.server_message = std::string("bad\r\nFAKE LOG LINE\x1b[31mred\x7f\xc2\x9b") + "2J caf\xc3\xa9 \xff\xfe end";
    d.api_code = 1003;
    d.http_status = 400;
    d.task_id = "id\nwith\tcontrols";
    const std::string s = d.summary();
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto u = static_cast<unsigned char>(s[i]);
        BOOST_TEST((u >= 0x20u && u != 0x7fu), "byte " << i << " of " << s);
        if (u == 0xc2u && i + 1 < s.size()) BOOST_TEST(static_cast<unsigned char>(s[i + 1]) > 0x9fu);
        BOOST_TEST((u != 0xffu && u != 0xfeu));
    }
    BOOST_TEST(s.find("bad\\x0d\\x0aFAKE LOG LINE\\x1b[31mred\\x7f\\u009b2J caf\xc3\xa9 \\xff\\xfe end") !=
               std::string::npos, s);
    BOOST_TEST(s == "the service refused the request; server: bad\\x0d\\x0aFAKE LOG LINE\\x1b[31mred\\x7f\\u009b2J "
                    "caf\xc3\xa9 \\xff\\xfe end; code 1003; HTTP 400; task id\\x0awith\\x09controls");
    // The message itself stays as the server sent it.
    BOOST_TEST(d.server_message.find("\r\nFAKE") != std::string::npos);
}

// Characters that end a line or reorder what a terminal shows around them are escaped too;
// their neighbours (same lead bytes) are not.
BOOST_AUTO_TEST_CASE(summary_escapes_line_separators_and_bidi_controls)
{
    diagnostics d;
    d.server_message = "a\u2028b\u2029c\u202Ed\u2066e\u2069f\u200Fg\u061Ch"
                       "\u2027\u202F\u2065\u206A\u2014\u061B";
    BOOST_TEST(d.summary() == "server: a\\u2028b\\u2029c\\u202ed\\u2066e\\u2069f\\u200fg\\u061ch"
                              "\u2027\u202F\u2065\u206A\u2014\u061B");
}

BOOST_AUTO_TEST_CASE(summary_cuts_a_long_server_message_between_characters)
{
    diagnostics d;
    d.server_message = std::string(10000, 'a');
    std::string s = d.summary();
    BOOST_TEST(s == "server: " + std::string(300, 'a') + "... (10000 bytes)");
    BOOST_TEST(d.server_message.size() == 10000u);
    // A two-byte character across the 300th byte is dropped whole, never split.
    d.server_message = std::string(299, 'b') + "\xc3\xa9" + "tail";
    s = d.summary();
    BOOST_TEST(s == "server: " + std::string(299, 'b') + "... (305 bytes)");
    // Exactly 300 bytes: shown whole, no ellipsis.
    d.server_message = std::string(298, 'c') + "\xc3\xa9";
    BOOST_TEST(d.summary() == "server: " + d.server_message);
}

BOOST_AUTO_TEST_SUITE_END()
