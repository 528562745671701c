// Race zoo, pattern 8: the promo race in another shape: check-then-insert on SQLite.
//
// Two passengers book seat 12A on the same flight at the same moment, each on its own
// SQLite connection. The racy booking asks the database whether the seat is taken (a
// SELECT), then books it (an INSERT): two statements, two transactions, so both can see
// the seat free and both insert. The correct booking is one statement, an INSERT ...
// SELECT ... WHERE NOT EXISTS, which SQLite runs atomically (one write transaction).
// The table has no unique constraint: the application's check is the only guard, as in
// the promo example. The database runs in WAL mode, so the SELECT never waits for the
// other passenger's INSERT: it reads whatever was committed when it began.
//
// Ground truth (also in docs/race-zoo.md and ground_truth.json):
//   racy test   SeatBooking.RacySeatIsBookedOnce
//   twin        SeatBooking.CorrectSeatIsBookedOnce
//   threads     passenger-1, passenger-2 (arrive in either order); the "earlier
//               passenger" is the one whose db.find_booking begins first
//   true cause  the later passenger's span `db.find_booking` begins before the earlier
//               passenger's span `db.insert_booking` ends: both find bookings=0 and both
//               insert.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <testscope/span.hpp>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "actors.hpp"

namespace {

constexpr const char* kFlight = "TS-101";
constexpr const char* kSeat = "12A";
// Passengers book within this many microseconds of each other (as in the promo example).
constexpr int kBookingSpreadUs = 1000;

// One SQLite connection (one per thread, as SQLite wants). Throws std::runtime_error on
// an SQLite error, with the statement and SQLite's message.
class BookingDb {
 public:
  explicit BookingDb(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
      const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw std::runtime_error("open " + path + ": " + message);
    }
    sqlite3_busy_timeout(db_, 5000);
    run("PRAGMA synchronous=OFF");  // a scratch database: no fsync, durability does not matter here
  }
  ~BookingDb() { sqlite3_close(db_); }
  BookingDb(const BookingDb&) = delete;
  BookingDb& operator=(const BookingDb&) = delete;

  // Write-ahead logging, as a service would configure SQLite: readers and the writer do
  // not block each other, so a SELECT reads the last committed state without waiting.
  void create_schema() {
    run("PRAGMA journal_mode=WAL");
    run("CREATE TABLE booking (flight TEXT NOT NULL, seat TEXT NOT NULL, passenger TEXT)");
  }
  // Reads the schema once, so the first real query is as fast as the rest.
  void warm_up() { run("SELECT count(*) FROM booking"); }

  // How many bookings the seat has.
  int find_booking(const std::string& passenger) {
    testscope::Span span("db.find_booking");
    span.set_attribute("db.system", "sqlite").set_attribute("db.operation", "SELECT");
    span.set_attribute("passenger", passenger);
    const int bookings =
        query_int("SELECT count(*) FROM booking WHERE flight = ?1 AND seat = ?2", kFlight, kSeat);
    span.set_attribute("seat.bookings", bookings);
    return bookings;
  }
  void insert_booking(const std::string& passenger) {
    testscope::Span span("db.insert_booking");
    span.set_attribute("db.system", "sqlite").set_attribute("db.operation", "INSERT");
    span.set_attribute("passenger", passenger);
    run("INSERT INTO booking (flight, seat, passenger) VALUES (?1, ?2, ?3)", kFlight, kSeat, passenger);
  }
  // Inserts only if the seat has no booking, in one statement; true if it did.
  bool insert_booking_if_free(const std::string& passenger) {
    testscope::Span span("db.insert_booking_if_free");
    span.set_attribute("db.system", "sqlite").set_attribute("db.operation", "INSERT");
    span.set_attribute("passenger", passenger);
    run("INSERT INTO booking (flight, seat, passenger) SELECT ?1, ?2, ?3 "
        "WHERE NOT EXISTS (SELECT 1 FROM booking WHERE flight = ?1 AND seat = ?2)",
        kFlight, kSeat, passenger);
    const bool inserted = sqlite3_changes(db_) == 1;
    span.set_attribute("db.rows_affected", inserted ? 1 : 0);
    return inserted;
  }
  int count_bookings() {
    return query_int("SELECT count(*) FROM booking WHERE flight = ?1 AND seat = ?2", kFlight, kSeat);
  }

 private:
  // Prepares `sql` with up to three text parameters, steps it once; the first column of
  // the row, or 0 when there is none.
  int query_int(const char* sql, const std::string& p1 = {}, const std::string& p2 = {},
                const std::string& p3 = {}) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) fail(sql);
    const std::array<const std::string*, 3> params{&p1, &p2, &p3};
    const int count = std::min(static_cast<int>(params.size()), sqlite3_bind_parameter_count(stmt));
    for (int i = 0; i < count; ++i) {
      const std::string& param = *params[static_cast<std::size_t>(i)];
      sqlite3_bind_text(stmt, i + 1, param.c_str(), static_cast<int>(param.size()), SQLITE_TRANSIENT);
    }
    const int rc = sqlite3_step(stmt);
    const int value = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail(sql);
    return value;
  }
  void run(const char* sql, const std::string& p1 = {}, const std::string& p2 = {},
           const std::string& p3 = {}) {
    query_int(sql, p1, p2, p3);
  }
  [[noreturn]] void fail(const char* sql) {
    throw std::runtime_error(std::string(sql) + ": " + sqlite3_errmsg(db_));
  }

  sqlite3* db_ = nullptr;
};

// Books the seat the racy way: is it free? then insert. True if booked.
bool book_seat_racy(BookingDb& db, const std::string& passenger) {
  testscope::Span span("book_seat");
  span.set_attribute("flight", kFlight).set_attribute("seat", kSeat).set_attribute("passenger", passenger);
  if (db.find_booking(passenger) > 0) {
    span.set_attribute("booking.status", "taken");
    return false;
  }
  db.insert_booking(passenger);
  span.set_attribute("booking.status", "booked");
  return true;
}

// Books the seat with one conditional INSERT. True if booked.
bool book_seat_atomic(BookingDb& db, const std::string& passenger) {
  testscope::Span span("book_seat");
  span.set_attribute("flight", kFlight).set_attribute("seat", kSeat).set_attribute("passenger", passenger);
  const bool booked = db.insert_booking_if_free(passenger);
  span.set_attribute("booking.status", booked ? "booked" : "taken");
  return booked;
}

class SeatBooking : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = "/tmp/race_zoo_seats_XXXXXX";
    const int fd = mkstemp(pattern.data());
    ASSERT_GE(fd, 0) << "cannot create a temporary database file";
    close(fd);
    path_ = pattern;
    BookingDb(path_).create_schema();
  }
  void TearDown() override {
    std::remove(path_.c_str());
    for (const char* suffix : {"-wal", "-shm", "-journal"}) std::remove((path_ + suffix).c_str());
  }

  // Two passengers book the seat at once, each on its own connection (opened beforehand,
  // used by one thread). Returns how many were told they have it; `rows` is how many
  // bookings the seat has afterwards.
  int book_concurrently(bool (*book)(BookingDb&, const std::string&), int& rows) {
    BookingDb first(path_);
    BookingDb second(path_);
    first.warm_up();
    second.warm_up();
    std::atomic<int> booked{0};
    auto passenger = [&](const std::string& name, BookingDb& db) {
      return race_zoo::Actor{name, race_zoo::random_delay_us(kBookingSpreadUs), [&, name] {
                               try {
                                 if (book(db, name)) booked.fetch_add(1);
                               } catch (const std::exception& error) {
                                 ADD_FAILURE() << name << ": " << error.what();
                               }
                             }};
    };
    race_zoo::run_actors({passenger("passenger-1", first), passenger("passenger-2", second)});
    rows = first.count_bookings();
    return booked.load();
  }

 private:
  std::string path_;
};

TEST_F(SeatBooking, RacySeatIsBookedOnce) {
  int rows = 0;
  const int booked = book_concurrently(book_seat_racy, rows);
  EXPECT_EQ(booked, 1) << "seat " << kSeat << " was booked by " << booked << " passengers";
  EXPECT_EQ(rows, 1) << "seat " << kSeat << " has " << rows << " bookings in the database";
}

TEST_F(SeatBooking, CorrectSeatIsBookedOnce) {
  int rows = 0;
  const int booked = book_concurrently(book_seat_atomic, rows);
  EXPECT_EQ(booked, 1) << "seat " << kSeat << " was booked by " << booked << " passengers";
  EXPECT_EQ(rows, 1) << "seat " << kSeat << " has " << rows << " bookings in the database";
}

}  // namespace
