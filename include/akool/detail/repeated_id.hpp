// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_REPEATED_ID_HPP
#define AKOOL_DETAIL_REPEATED_ID_HPP

// The one check that a batch's task ids are distinct, for the create reply's decoder and the
// batch journal (apart from model.hpp, so that core TUs do not pay for <algorithm>).

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

namespace akool {
namespace detail {

// Whether two of `ids` are equal (a task id becomes a file name and a journal key, so one
// batch must not hold it twice). When they are, `first < second` index the repeat that
// `second` makes earliest. O(n log n).
inline bool find_repeated_id(const std::vector<std::string_view>& ids, std::size_t& first, std::size_t& second)
{
    std::vector<std::pair<std::string_view, std::size_t>> sorted;
    sorted.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) sorted.emplace_back(ids[i], i);
    std::sort(sorted.begin(), sorted.end());  // equal ids sit together, by index
    bool found = false;
    for (std::size_t i = 1; i < sorted.size(); ++i) {
        if (sorted[i].first != sorted[i - 1].first || (found && sorted[i].second >= second)) continue;
        first = sorted[i - 1].second;  // equal ids sorted by index: i - 1 is the nearest earlier one
        second = sorted[i].second;
        found = true;
    }
    return found;
}

} // namespace detail
} // namespace akool

#endif
