// Race zoo, pattern 2: double initialisation of a lazily created singleton.
//
// The exchange-rate table is created on first use: check whether it exists, parse it,
// publish it. The racy registry checks and publishes without a lock, so two clients that
// ask at the same moment can both see "not created yet", both parse the table and both
// publish one: two instances, each client holding its own (the second publish wins). The
// correct registry creates and publishes under std::call_once.
//
// Ground truth (also in docs/race-zoo.md and ground_truth.json):
//   racy test   LazySingleton.RacyInitCreatesOneInstance
//   twin        LazySingleton.CorrectInitCreatesOneInstance
//   threads     client-1, client-2 (arrive in either order); the "earlier client" is the
//               one whose check_instance begins first, the "later client" the other
//   true cause  the later client's span `check_instance` begins before the earlier
//               client's span `publish_instance` ends: both see instance.present=false and
//               both create one.
#include <gtest/gtest.h>
#include <testscope/span.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "actors.hpp"

namespace {

// The table both clients need, as it would come from a configuration file.
constexpr const char* kRatesText =
    "USD=1.0000 EUR=0.9210 GBP=0.7894 JPY=151.2300 CHF=0.9012 CAD=1.3650 AUD=1.5230 SEK=10.8700 "
    "NOK=10.9100 DKK=6.8700 PLN=3.9800 CZK=23.4100";

struct ExchangeRates {
  std::map<std::string, double> per_usd;
};

// Owns the one ExchangeRates, created on first use. Thread-safe in the C++ sense with
// either getter; only get_once() creates exactly one instance.
class RatesRegistry {
 public:
  // Returns the table, creating it if nobody has yet. Check, create and publish are three
  // steps: two callers can both create one (the race).
  const ExchangeRates& get_racy() {
    if (const ExchangeRates* rates = check_instance()) return *rates;
    const ExchangeRates* rates = create_instance();
    publish_instance(rates);
    return *rates;
  }

  // The same, creating and publishing under std::call_once.
  const ExchangeRates& get_once() {
    if (const ExchangeRates* rates = check_instance()) return *rates;
    std::call_once(once_, [this] { publish_instance(create_instance()); });
    return *instance_.load(std::memory_order_acquire);
  }

  // How many instances were created.
  int creations() const { return creations_.load(); }

 private:
  const ExchangeRates* check_instance() {
    testscope::Span span("check_instance");
    const ExchangeRates* rates = instance_.load(std::memory_order_acquire);
    span.set_attribute("instance.present", rates != nullptr);
    return rates;
  }
  const ExchangeRates* create_instance() {
    testscope::Span span("create_instance");
    const int number = creations_.fetch_add(1);
    span.set_attribute("instance.number", number + 1);
    auto rates = std::make_unique<ExchangeRates>();
    for (std::string_view text = kRatesText; !text.empty();) {  // "CODE=rate CODE=rate ..."
      const std::string_view entry = text.substr(0, text.find(' '));
      const std::size_t equals = entry.find('=');
      double rate = 0.0;
      std::from_chars(entry.data() + equals + 1, entry.data() + entry.size(), rate);
      rates->per_usd.emplace(entry.substr(0, equals), rate);
      text.remove_prefix(std::min(entry.size() + 1, text.size()));
    }
    span.set_attribute("rates.count", static_cast<int>(rates->per_usd.size()));
    created_[static_cast<std::size_t>(number)] = std::move(rates);  // each creator its own slot
    return created_[static_cast<std::size_t>(number)].get();
  }
  void publish_instance(const ExchangeRates* rates) {
    testscope::Span span("publish_instance");
    instance_.store(rates, std::memory_order_release);
  }

  std::atomic<const ExchangeRates*> instance_{nullptr};
  std::atomic<int> creations_{0};
  // Every instance created (at most one per client), freed with the registry.
  std::array<std::unique_ptr<ExchangeRates>, 2> created_;
  std::once_flag once_;
};

// Two clients ask for the table at once. Returns the registry's creation count; `same`
// says whether both got the same instance.
int get_concurrently(const ExchangeRates& (RatesRegistry::*get)(), bool& same) {
  RatesRegistry registry;
  std::array<const ExchangeRates*, 2> seen{};
  auto client = [&](const std::string& name, std::size_t index) {
    return race_zoo::Actor{name, race_zoo::random_delay_us(race_zoo::kArrivalSpreadUs),
                           [&, index] { seen[index] = &(registry.*get)(); }};
  };
  race_zoo::run_actors({client("client-1", 0), client("client-2", 1)});
  same = seen[0] == seen[1];
  return registry.creations();
}

TEST(LazySingleton, RacyInitCreatesOneInstance) {
  bool same = false;
  const int creations = get_concurrently(&RatesRegistry::get_racy, same);
  EXPECT_EQ(creations, 1) << "the lazily created exchange-rate table was created " << creations << " times";
  EXPECT_TRUE(same) << "the two clients hold different instances of the singleton";
}

TEST(LazySingleton, CorrectInitCreatesOneInstance) {
  bool same = false;
  const int creations = get_concurrently(&RatesRegistry::get_once, same);
  EXPECT_EQ(creations, 1) << "the lazily created exchange-rate table was created " << creations << " times";
  EXPECT_TRUE(same) << "the two clients hold different instances of the singleton";
}

}  // namespace
