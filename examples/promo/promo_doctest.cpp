// The seed's race test as a doctest program (promo_tests.cpp is the GoogleTest one): two users
// apply the same single-use promo code at the same moment; exactly one may succeed. The racy
// service fails this now and then; the atomic one never does. Linked with
// testscope::doctest_main, so `testscope run -- promo_doctest` shows what happened.
#include <doctest/doctest.h>
#include <testscope/span.hpp>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>

#include "promo_service.hpp"

namespace {

constexpr const char* kCode = "SUMMER20";
// Requests arrive within this many microseconds of each other (as in promo_tests.cpp).
constexpr int kArrivalSpreadUs = 1000;

// A fresh database with one single-use code, per test case (doctest builds the fixture anew
// for each run of a test case).
class PromoRace {
 public:
  PromoRace() {
    std::string pattern = "/tmp/promo_doctest_XXXXXX";
    const int fd = mkstemp(pattern.data());
    REQUIRE_MESSAGE(fd >= 0, "cannot create a temporary database file");
    close(fd);
    path_ = pattern;
    promo::PromoDb db(path_);
    db.create_schema();
    db.add_promo(kCode, /*max_uses=*/1);
  }
  ~PromoRace() {
    std::remove(path_.c_str());
    std::remove((path_ + "-journal").c_str());
  }
  PromoRace(const PromoRace&) = delete;
  PromoRace& operator=(const PromoRace&) = delete;
  PromoRace(PromoRace&&) = delete;
  PromoRace& operator=(PromoRace&&) = delete;

 protected:
  // Two users apply the code at once, each on its own connection and thread.
  // Returns how many succeeded.
  int apply_concurrently(bool (promo::PromoService::*apply)(const std::string&, const std::string&)) {
    std::atomic<int> ready{0};
    std::atomic<int> successes{0};
    auto user = [&](const std::string& user_id) {
      testscope::set_thread_name("user-" + user_id);
      promo::PromoDb db(path_);
      db.warm_up();
      promo::PromoService service(db);
      std::random_device seed;
      std::uniform_int_distribution<int> spread(0, kArrivalSpreadUs);
      const int delay_us = spread(seed);
      ready.fetch_add(1);
      while (ready.load() < 2) {
      }  // both users ready: now each request arrives after its own short delay
      const auto arrival = std::chrono::steady_clock::now() + std::chrono::microseconds(delay_us);
      while (std::chrono::steady_clock::now() < arrival) {
      }
      testscope::Span request("request");
      request.set_attribute("user.id", user_id).set_attribute("request.delay_us", delay_us);
      if ((service.*apply)(user_id, kCode)) successes.fetch_add(1);
    };
    std::thread first(user, "u1");
    std::thread second(user, "u2");
    first.join();
    second.join();
    return successes.load();
  }

  int uses_in_db() {
    promo::PromoDb db(path_);
    return db.get_promo(kCode)->uses;
  }

 private:
  std::string path_;
};

}  // namespace

TEST_SUITE("PromoRace") {
  TEST_CASE_FIXTURE(PromoRace, "RacyApplyAllowsExactlyOneUse") {
    const int successes = apply_concurrently(&promo::PromoService::apply_racy);
    CHECK_MESSAGE(successes == 1, "a single-use promo code was applied " << successes << " times");
    CHECK(uses_in_db() == 1);
  }

  TEST_CASE_FIXTURE(PromoRace, "AtomicApplyAllowsExactlyOneUse") {
    const int successes = apply_concurrently(&promo::PromoService::apply_atomic);
    CHECK_MESSAGE(successes == 1, "a single-use promo code was applied " << successes << " times");
    CHECK(uses_in_db() == 1);
  }
}
