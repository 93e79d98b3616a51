// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#define BOOST_TEST_MODULE json_numbers
#include <boost/test/unit_test.hpp>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <akool/json.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <ostream>
#include <random>
#include <string>

// The decoders read doubles exactly: what encode_image_request writes (std::to_chars, the
// shortest text that reads back as the same double) decodes to the same bits. Boost 1.81's own
// parser rounds about one double in ten of [0, 1) to a neighbour (a fuzzing finding).

namespace bdata = boost::unit_test::data;
using namespace akool;

namespace {

std::uint64_t bits(double d)
{
    std::uint64_t b = 0;
    std::memcpy(&b, &d, sizeof(d));
    return b;
}

// `similar` after decode_image_request(encode_image_request(r)) with r.similar = v.
double similar_round_trip(double v)
{
    image_request r = image_request::text_to_image("p");
    r.similar = v;
    error_code ec;
    diagnostics diag;
    image_request back = decode_image_request(encode_image_request(r), ec, diag);
    BOOST_TEST_REQUIRE(!ec, ec.message() << " " << diag.client_message);
    BOOST_TEST_REQUIRE(back.similar.has_value());
    return *back.similar;
}

// `similar` decoded from a body holding `text` as its value.
double similar_of(const std::string& text)
{
    error_code ec;
    diagnostics diag;
    image_request r = decode_image_request(R"({"prompt":"p","similar":)" + text + "}", ec, diag);
    BOOST_TEST_REQUIRE(!ec, text << ": " << ec.message() << " " << diag.client_message);
    BOOST_TEST_REQUIRE(r.similar.has_value());
    return *r.similar;
}

struct text_case {
    const char* text;
    double value;
};

std::ostream& operator<<(std::ostream& os, const text_case& c) { return os << c.text; }

const text_case texts[] = {
    {"0.9032689664283783", 0.9032689664283783},  // the campaign's example
    {"0.7", 0.7},
    {"0.1", 0.1},
    {"1", 1.0},
    {"0", 0.0},
    {"-0.0", -0.0},
    {"1e-7", 1e-7},
    {"1E-7", 1e-7},
    {"2.5e+1", 25.0},
    {"0.30000000000000004", 0.30000000000000004},
    {"2.2250738585072014e-308", 2.2250738585072014e-308},
    {"4.9e-324", 4.9e-324},
    {"1.7976931348623157e308", 1.7976931348623157e308},
    // More digits than a double holds: still the nearest double.
    {"0.90326896642837830000000000000000000000001", 0.9032689664283783},
    {"0.333333333333333333333333333333333333333333", 1.0 / 3.0},
};

} // namespace

BOOST_AUTO_TEST_SUITE(json_numbers)

BOOST_DATA_TEST_CASE(double_text_reads_as_the_nearest_double, bdata::make(texts), c)
{
    double v = similar_of(c.text);
    BOOST_TEST(bits(v) == bits(c.value), c.text << " read as " << v);
}

BOOST_AUTO_TEST_CASE(similar_round_trips_bit_for_bit)
{
    std::mt19937_64 gen(17);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    int changed = 0;
    for (int i = 0; i < 100000; ++i) {
        double v = unit(gen);
        if (bits(similar_round_trip(v)) != bits(v) && ++changed <= 5)
            BOOST_TEST_MESSAGE("changed: " << v);
    }
    BOOST_TEST(changed == 0);
}

BOOST_AUTO_TEST_CASE(extreme_doubles_round_trip)
{
    const double values[] = {std::numeric_limits<double>::min(), std::numeric_limits<double>::max(),
                             std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::epsilon(),
                             -1.0 / 3.0, 1.0 - std::numeric_limits<double>::epsilon() / 2, 123456789.125};
    for (double v : values) BOOST_TEST(bits(similar_round_trip(v)) == bits(v), v);
}

BOOST_AUTO_TEST_CASE(out_of_range_keeps_the_parsers_reading)
{
    // Beyond a double's range from_chars gives up; the value is still a number, and the
    // validator is the one that refuses it.
    error_code ec;
    diagnostics diag;
    image_request r = decode_image_request(R"({"prompt":"p","similar":1e400})", ec, diag);
    if (!ec) {
        BOOST_TEST_REQUIRE(r.similar.has_value());
        BOOST_TEST(*r.similar > 1.0);
    }
    r = decode_image_request(R"({"prompt":"p","similar":1e-400})", ec, diag);
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST_REQUIRE(r.similar.has_value());
    BOOST_TEST(std::fabs(*r.similar) < 1e-300);
}

BOOST_AUTO_TEST_CASE(integers_stay_integers_and_fractions_of_batch_quantity_are_refused)
{
    error_code ec;
    diagnostics diag;
    image_request r = decode_image_request(R"({"prompt":"p","similar":1,"batch_quantity":3.0})", ec, diag);
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST(*r.similar == 1.0);
    BOOST_TEST(*r.batch_quantity == 3);
    r = decode_image_request(R"({"prompt":"p","batch_quantity":2.0000000000000004})", ec, diag);
    BOOST_TEST(ec == make_error_code(error::validation_failed));
    BOOST_TEST_REQUIRE(diag.issues.size() == 1u);
    BOOST_TEST(diag.issues[0].field == "batch_quantity");
}

BOOST_AUTO_TEST_SUITE_END()
