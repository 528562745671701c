// How explain names things in plain words: a thread by its name or by its role ("the second
// user"), an operation ("the first user's db.get_promo"), a candidate ("... began before ...
// ended"), and the legend of the roles used. Internal to testscope::explain.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "explain/alignment.hpp"
#include "explain/candidates.hpp"

namespace testscope::explain {

// Words for the operations of one alignment. Remembers which roles it named, for
// role_legend(). Holds references to `alignment` and `pool`, which must outlive it. Not
// thread-safe.
class Phrasing {
 public:
  Phrasing(const Alignment& alignment, const StringPool& pool);

  // "user-u2", or a role: "the second user", "the thread running request".
  std::string identity_text(int identity);
  // "the second user's db.get_promo" ("... second send" when it runs more than once, the span
  // path when one name has several).
  std::string operation_text(std::uint32_t op);
  // The candidate in plain words, as it holds (`negated`: its opposite).
  std::string statement(const RawCandidate& c, bool negated);
  // What each role named so far stands for: "the first user: of the threads user-u1, ...".
  std::vector<std::string> role_legend();
  // The operation of `identity` at `path`, occurrence `occurrence`; -1 when there is none.
  std::int64_t operation(int identity, std::uint32_t path, int occurrence) const;

 private:
  static std::uint64_t key_of(int identity, std::uint32_t path, int occurrence);
  std::string shape_stem(const ThreadShape& shape) const;
  std::string value_text(StringId value) const;
  std::string value_statement(const RawCandidate& c, bool negated);

  const Alignment& alignment_;
  const StringPool& pool_;
  std::unordered_map<std::uint64_t, std::uint32_t> by_key_;
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> paths_by_name_;
  std::unordered_map<std::uint64_t, int> most_occurrences_;
  std::set<int> used_roles_;
};

}  // namespace testscope::explain
