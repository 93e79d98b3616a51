// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// When the synchronous exchange spins for a reply before sleeping (detail::reply_spin_policy):
// at first always, paused after two misses in a row, one probe in 64 exchanges while paused,
// and back to spinning once a probe catches the reply.
#define BOOST_TEST_MODULE reply_spin
#include <boost/test/unit_test.hpp>

#include <akool/detail/reply_spin.hpp>

using akool::detail::reply_spin_policy;

namespace {

// Exchanges until the policy next says spin (counting that one), at most `limit`.
int exchanges_until_spin(reply_spin_policy& p, int limit = 1000)
{
    for (int i = 1; i <= limit; ++i)
        if (p.should_spin()) return i;
    return -1;
}

} // namespace

BOOST_AUTO_TEST_CASE(spins_while_the_spins_catch_the_reply)
{
    reply_spin_policy p;
    for (int i = 0; i < 200; ++i) {
        BOOST_REQUIRE(p.should_spin());
        p.record(true);
    }
    BOOST_TEST(!p.paused());
}

BOOST_AUTO_TEST_CASE(one_miss_between_catches_does_not_pause)
{
    reply_spin_policy p;
    for (int i = 0; i < 50; ++i) {
        BOOST_REQUIRE(p.should_spin());
        p.record(i % 2 == 0);  // miss, catch, miss, ...: never two misses in a row
    }
    BOOST_TEST(!p.paused());
}

BOOST_AUTO_TEST_CASE(two_misses_in_a_row_pause_then_one_probe_in_64)
{
    reply_spin_policy p;
    BOOST_TEST(p.should_spin());
    p.record(false);
    BOOST_TEST(!p.paused(), "one miss is not enough");
    BOOST_TEST(p.should_spin());
    p.record(false);
    BOOST_TEST(p.paused());
    for (int round = 0; round < 3; ++round) {
        BOOST_TEST(exchanges_until_spin(p) == int(reply_spin_policy::probe_interval));
        p.record(false);  // the probe missed too: stay paused
        BOOST_TEST(p.paused());
    }
}

BOOST_AUTO_TEST_CASE(a_probe_that_catches_the_reply_resumes_spinning)
{
    reply_spin_policy p;
    p.should_spin();
    p.record(false);
    p.should_spin();
    p.record(false);
    BOOST_REQUIRE(p.paused());
    BOOST_TEST(exchanges_until_spin(p) == int(reply_spin_policy::probe_interval));
    p.record(true);
    BOOST_TEST(!p.paused());
    for (int i = 0; i < 10; ++i) BOOST_TEST(p.should_spin(), "every exchange spins again");
}
