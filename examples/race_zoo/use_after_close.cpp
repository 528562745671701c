// Race zoo, pattern 6: use after close.
//
// A client checks that its pooled connection is still open, builds its query and sends
// it; meanwhile the pool's reaper closes the connection as idle. If the close lands
// between the client's check and its send, the query runs on a closed connection. (The
// connection stays alive as an object and detects the call by its closed flag: the zoo
// models "use after close" without undefined behaviour.) The correct client holds the
// connection's use lock from the check through the send, and the reaper takes the same
// lock to close, so a connection is never closed under a user.
//
// The client's request is in flight first; the reaper runs within the spread after.
//
// Ground truth (also in docs/race-zoo.md and ground_truth.json):
//   racy test   Connection.RacyQueryNeverRunsOnClosedConnection
//   twin        Connection.CorrectQueryNeverRunsOnClosedConnection
//   threads     client, reaper
//   true cause  the reaper's span `close_connection` begins before the client's span
//               `send_query` ends (the client's `check_open` having seen conn.open=true):
//               the query runs on the closed connection.
#include <gtest/gtest.h>
#include <testscope/span.hpp>

#include <atomic>
#include <mutex>
#include <string>

#include "actors.hpp"

namespace {

constexpr int kConnectionId = 7;

// A pooled connection. Thread-safe in the C++ sense: every member may be called from any
// thread; a query on a closed connection is refused and counted, not undefined.
class Connection {
 public:
  bool check_open() {
    testscope::Span span("check_open");
    span.set_attribute("conn.id", kConnectionId);
    const bool open = !closed_.load(std::memory_order_relaxed);
    span.set_attribute("conn.open", open);
    return open;
  }
  // Sends `sql`; false (and counted as misuse) if the connection is closed.
  bool send_query(const std::string& sql) {
    testscope::Span span("send_query");
    span.set_attribute("conn.id", kConnectionId).set_attribute("db.statement", sql);
    if (closed_.load(std::memory_order_relaxed)) {
      queries_after_close_.fetch_add(1);
      span.set_error("query on a closed connection");
      return false;
    }
    return true;
  }
  void close_connection() {
    testscope::Span span("close_connection");
    span.set_attribute("conn.id", kConnectionId);
    closed_.store(true, std::memory_order_relaxed);
  }
  // Held by a user across check and send, and by the reaper to close.
  std::mutex& use_lock() { return use_lock_; }
  int queries_after_close() const { return queries_after_close_.load(); }

 private:
  std::atomic<bool> closed_{false};
  std::atomic<int> queries_after_close_{0};
  std::mutex use_lock_;
};

std::string build_query(int customer) {
  return "SELECT id, total FROM orders WHERE customer_id = " + std::to_string(customer) +
         " ORDER BY created_at DESC LIMIT 10";
}

// The client's request: check the connection, build the query, send it.
void fetch_orders(Connection& connection, bool hold_use_lock) {
  testscope::Span span("fetch_orders");
  std::unique_lock<std::mutex> in_use(connection.use_lock(), std::defer_lock);
  if (hold_use_lock) in_use.lock();
  if (!connection.check_open()) {
    span.set_attribute("fetch.status", "reconnect");  // a closed connection is fine: get another one
    return;
  }
  const std::string sql = build_query(42);
  span.set_attribute("fetch.status", connection.send_query(sql) ? "sent" : "failed");
}

// The reaper closes the connection as idle.
void reap_idle(Connection& connection, bool take_use_lock) {
  std::unique_lock<std::mutex> in_use(connection.use_lock(), std::defer_lock);
  if (take_use_lock) in_use.lock();
  connection.close_connection();
}

// A request on the connection while the reaper closes it. Returns how many queries ran
// on the closed connection.
int query_while_reaping(bool locked) {
  Connection connection;
  race_zoo::run_actors({
      {"client", 0, [&] { fetch_orders(connection, locked); }},
      {"reaper", race_zoo::random_delay_us(race_zoo::kArrivalSpreadUs),
       [&] { reap_idle(connection, locked); }},
  });
  return connection.queries_after_close();
}

TEST(Connection, RacyQueryNeverRunsOnClosedConnection) {
  EXPECT_EQ(query_while_reaping(/*locked=*/false), 0)
      << "the client's query ran on a connection the reaper closed after the client checked it was open";
}

TEST(Connection, CorrectQueryNeverRunsOnClosedConnection) {
  EXPECT_EQ(query_while_reaping(/*locked=*/true), 0)
      << "the client's query ran on a connection the reaper closed after the client checked it was open";
}

}  // namespace
