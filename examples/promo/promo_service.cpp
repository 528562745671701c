#include "promo_service.hpp"

#include <testscope/log.hpp>
#include <testscope/metrics.hpp>
#include <testscope/span.hpp>

namespace promo {
namespace {

// The seed's promo_uses = Counter("promo_uses_total", ..., ["promo_code", "status"]).
// LabeledCounter's increment costs a few nanoseconds: no lock in the racy window.
testscope::LabeledCounter& promo_uses() {
  static testscope::LabeledCounter counter("promo_uses_total", "Promo code usage attempts",
                                           {"promo_code", "status"});
  return counter;
}

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) fail(sql);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, const std::string& text) {
    sqlite3_bind_text(stmt_, index, text.c_str(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int index, int value) {
    sqlite3_bind_int(stmt_, index, value);
    return *this;
  }
  // Steps once; true if a row is available.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) fail(sqlite3_sql(stmt_));
    return false;
  }
  int column_int(int index) { return sqlite3_column_int(stmt_, index); }

 private:
  [[noreturn]] void fail(const char* sql) { throw DbError(std::string(sql) + ": " + sqlite3_errmsg(db_)); }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace

PromoDb::PromoDb(const std::string& path) {
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
    const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw DbError("open " + path + ": " + message);
  }
  sqlite3_busy_timeout(db_, 5000);
}

PromoDb::~PromoDb() { sqlite3_close(db_); }

void PromoDb::exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error != nullptr ? error : "unknown error";
    sqlite3_free(error);
    throw DbError(std::string(sql) + ": " + message);
  }
}

void PromoDb::warm_up() { exec("SELECT count(*) FROM promo"); }

void PromoDb::create_schema() {
  exec(
      "CREATE TABLE IF NOT EXISTS promo (code TEXT PRIMARY KEY, uses INTEGER NOT NULL, max_uses INTEGER NOT "
      "NULL)");
}

void PromoDb::add_promo(const std::string& code, int max_uses) {
  Statement(db_, "INSERT INTO promo (code, uses, max_uses) VALUES (?1, 0, ?2)")
      .bind(1, code)
      .bind(2, max_uses)
      .step();
}

std::optional<Promo> PromoDb::get_promo(const std::string& code) {
  testscope::Span span("db.get_promo");
  span.set_attribute("db.system", "sqlite").set_attribute("db.operation", "SELECT");
  Statement select(db_, "SELECT uses, max_uses FROM promo WHERE code = ?1");
  if (!select.bind(1, code).step()) return std::nullopt;
  return Promo{select.column_int(0), select.column_int(1)};
}

void PromoDb::increment_uses(const std::string& code) {
  testscope::Span span("db.increment_promo_uses");
  span.set_attribute("db.system", "sqlite").set_attribute("db.operation", "UPDATE");
  Statement(db_, "UPDATE promo SET uses = uses + 1 WHERE code = ?1").bind(1, code).step();
}

bool PromoDb::increment_if_available(const std::string& code) {
  testscope::Span span("db.increment_promo_uses_if_available");
  span.set_attribute("db.system", "sqlite").set_attribute("db.operation", "UPDATE");
  Statement(db_, "UPDATE promo SET uses = uses + 1 WHERE code = ?1 AND uses < max_uses").bind(1, code).step();
  const bool changed = sqlite3_changes(db_) == 1;
  span.set_attribute("db.rows_affected", changed ? 1 : 0);
  return changed;
}

bool PromoService::apply_racy(const std::string& user_id, const std::string& code) {
  testscope::Span span("apply_promo");
  span.set_attribute("promo.code", code).set_attribute("user.id", user_id);
  const std::optional<Promo> promo = db_.get_promo(code);
  if (!promo) {
    span.set_error("unknown promo code");
    return false;
  }
  span.set_attribute("promo.uses", promo->uses).set_attribute("promo.max", promo->max_uses);
  testscope::log_event("promo_check",
                       {{"code", code}, {"user", user_id}, {"uses", promo->uses}, {"max", promo->max_uses}});
  if (promo->uses < promo->max_uses) {
    db_.increment_uses(code);  // the race: another user may have used it since the read
    promo_uses().increment({code, "ok"});
    testscope::log_event("promo_applied", {{"code", code}, {"user", user_id}});
    span.set_attribute("promo.status", "ok");
    return true;
  }
  promo_uses().increment({code, "limit"});
  testscope::log_event("promo_limit", {{"code", code}, {"user", user_id}});
  span.set_attribute("promo.status", "limit");
  return false;
}

bool PromoService::apply_atomic(const std::string& user_id, const std::string& code) {
  testscope::Span span("apply_promo");
  span.set_attribute("promo.code", code).set_attribute("user.id", user_id);
  const bool applied = db_.increment_if_available(code);
  promo_uses().increment({code, applied ? "ok" : "limit"});
  testscope::log_event(applied ? "promo_applied" : "promo_limit", {{"code", code}, {"user", user_id}});
  span.set_attribute("promo.status", applied ? "ok" : "limit");
  return applied;
}

}  // namespace promo
