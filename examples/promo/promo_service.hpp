// The seed article's promo-code service, in C++ on SQLite, instrumented with testscope.
//
// PromoDb is one SQLite connection (use one per thread, as SQLite wants). PromoService
// applies a promo code for a user in two ways:
//   apply_racy    reads the uses, then writes uses + 1: two users applying at once can
//                 both read "0 of 1 used" and both succeed (the race the seed hunts);
//   apply_atomic  one conditional UPDATE ... WHERE uses < max_uses: never over-applies.
#pragma once

#include <sqlite3.h>

#include <optional>
#include <stdexcept>
#include <string>

namespace promo {

struct Promo {
  int uses = 0;
  int max_uses = 0;
};

// Thrown for SQLite errors, with the statement and SQLite's message.
struct DbError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class PromoDb {
 public:
  // Opens (creating if needed) the database file at `path`, waiting up to 5 s on locks.
  explicit PromoDb(const std::string& path);
  ~PromoDb();
  PromoDb(const PromoDb&) = delete;
  PromoDb& operator=(const PromoDb&) = delete;

  void create_schema();
  // Reads the schema once, so the first real query is as fast as the rest.
  void warm_up();
  void add_promo(const std::string& code, int max_uses);
  std::optional<Promo> get_promo(const std::string& code);
  void increment_uses(const std::string& code);
  // Increments only while uses < max_uses; true if it did.
  bool increment_if_available(const std::string& code);

 private:
  void exec(const char* sql);
  sqlite3* db_ = nullptr;
};

class PromoService {
 public:
  explicit PromoService(PromoDb& db) : db_(db) {}
  bool apply_racy(const std::string& user_id, const std::string& code);
  bool apply_atomic(const std::string& user_id, const std::string& code);

 private:
  PromoDb& db_;
};

}  // namespace promo
