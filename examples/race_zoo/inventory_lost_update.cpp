// Race zoo, pattern 7: a lost update (read-modify-write split across two spans).
//
// Two orders reserve 3 units each of a product with 10 in stock. A reservation reads the
// stock, validates the order against it and writes the stock back less the quantity.
// The racy inventory writes what it computed from its read, so when both orders read 10,
// both write 7: one reservation is lost and the warehouse promises 6 units it counted as
// 3. The correct inventory writes with a compare-and-swap against the value it read and
// retries from a fresh read when the stock changed in between.
//
// Ground truth (also in docs/race-zoo.md and ground_truth.json):
//   racy test   Inventory.RacyReservationsAreAllCounted
//   twin        Inventory.CorrectReservationsAreAllCounted
//   threads     order-1, order-2 (arrive in either order); the "earlier order" is the one
//               whose read_stock begins first, the "later order" the other
//   true cause  the later order's span `read_stock` begins before the earlier order's
//               span `write_stock` ends: both read stock=10 and both write 7.
#include <gtest/gtest.h>
#include <testscope/span.hpp>

#include <atomic>
#include <string>

#include "actors.hpp"

namespace {

constexpr int kInitialStock = 10;
constexpr int kQuantity = 3;
constexpr const char* kSku = "SKU-20931";

// Stock of one product. Thread-safe in the C++ sense; only reserve_with_cas() never
// loses a reservation.
class Inventory {
 public:
  explicit Inventory(int stock) : stock_(stock) {}

  // Reserves `quantity`: read, validate, write. A write in between is lost (the race).
  bool reserve_racy(const std::string& order, int quantity) {
    testscope::Span span("reserve");
    span.set_attribute("order.id", order).set_attribute("sku", kSku).set_attribute("quantity", quantity);
    const int stock = read_stock();
    if (!validate(stock, quantity, span)) return false;
    write_stock(stock, stock - quantity);
    return true;
  }

  // The same, writing with a compare-and-swap and retrying when the stock moved.
  bool reserve_with_cas(const std::string& order, int quantity) {
    testscope::Span span("reserve");
    span.set_attribute("order.id", order).set_attribute("sku", kSku).set_attribute("quantity", quantity);
    int attempts = 1;
    for (;; ++attempts) {
      const int stock = read_stock();
      if (!validate(stock, quantity, span)) return false;
      if (write_stock_if_unchanged(stock, stock - quantity)) break;
    }
    span.set_attribute("attempts", attempts);
    return true;
  }

  int stock() const { return stock_.load(std::memory_order_relaxed); }

 private:
  int read_stock() {
    testscope::Span span("read_stock");
    const int stock = stock_.load(std::memory_order_relaxed);
    span.set_attribute("stock", stock);
    return stock;
  }
  static bool validate(int stock, int quantity, testscope::Span& span) {
    if (quantity <= 0 || quantity > stock) {
      span.set_error("not enough stock for " + std::to_string(quantity) + " of " + kSku);
      return false;
    }
    return true;
  }
  void write_stock(int read, int stock) {
    testscope::Span span("write_stock");
    span.set_attribute("stock.read", read).set_attribute("stock", stock);
    stock_.store(stock, std::memory_order_relaxed);
  }
  bool write_stock_if_unchanged(int read, int stock) {
    testscope::Span span("write_stock");
    span.set_attribute("stock.read", read).set_attribute("stock", stock);
    int expected = read;
    const bool written = stock_.compare_exchange_strong(expected, stock, std::memory_order_relaxed);
    span.set_attribute("stock.changed", !written);
    return written;
  }

  std::atomic<int> stock_;
};

// Two orders reserve kQuantity each at once. Returns how many reservations succeeded.
int reserve_concurrently(Inventory& inventory, bool (Inventory::*reserve)(const std::string&, int)) {
  std::atomic<int> reserved{0};
  auto order = [&](const std::string& name) {
    return race_zoo::Actor{name, race_zoo::random_delay_us(race_zoo::kArrivalSpreadUs), [&, name] {
                             if ((inventory.*reserve)(name, kQuantity)) reserved.fetch_add(1);
                           }};
  };
  race_zoo::run_actors({order("order-1"), order("order-2")});
  return reserved.load();
}

TEST(Inventory, RacyReservationsAreAllCounted) {
  Inventory inventory(kInitialStock);
  const int reserved = reserve_concurrently(inventory, &Inventory::reserve_racy);
  ASSERT_EQ(reserved, 2);
  EXPECT_EQ(inventory.stock(), kInitialStock - 2 * kQuantity)
      << "two reservations of " << kQuantity << " left " << inventory.stock() << " of " << kInitialStock
      << " in stock: one reservation was lost";
}

TEST(Inventory, CorrectReservationsAreAllCounted) {
  Inventory inventory(kInitialStock);
  const int reserved = reserve_concurrently(inventory, &Inventory::reserve_with_cas);
  ASSERT_EQ(reserved, 2);
  EXPECT_EQ(inventory.stock(), kInitialStock - 2 * kQuantity)
      << "two reservations of " << kQuantity << " left " << inventory.stock() << " of " << kInitialStock
      << " in stock: one reservation was lost";
}

}  // namespace
