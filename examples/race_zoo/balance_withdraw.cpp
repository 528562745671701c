// Race zoo, pattern 1: check-then-act on a bank balance.
//
// Two tellers withdraw 80 from an account holding 100 at the same moment. A withdrawal
// reads the balance, checks that it covers the amount, writes the receipt and stores the
// new balance. The racy account reads and writes in two separate steps, so both tellers
// can read 100, both pass the check and both pay out 80. The correct account holds its
// lock from the read to the write.
//
// Ground truth (also in docs/race-zoo.md and ground_truth.json):
//   racy test   Balance.RacyWithdrawalsNeverOverdraw
//   twin        Balance.CorrectWithdrawalsNeverOverdraw
//   threads     teller-1, teller-2 (arrive in either order); the "earlier teller" is the
//               one whose read_balance begins first, the "later teller" the other
//   true cause  the later teller's span `read_balance` begins before the earlier teller's
//               span `write_balance` ends: both read balance=100 and both pay out.
#include <gtest/gtest.h>
#include <testscope/span.hpp>

#include <atomic>
#include <mutex>
#include <string>

#include "actors.hpp"

namespace {

constexpr int kOpeningBalance = 100;
constexpr int kWithdrawal = 80;

// A bank account. Thread-safe in the C++ sense (the balance is atomic); only
// withdraw_locked() is safe in the banking sense.
class Account {
 public:
  explicit Account(int balance) : balance_(balance) {}

  // Pays out `amount` if the balance covers it; true if it did. The check and the write
  // are two steps: two tellers can both pass the check (the race).
  bool withdraw_racy(const std::string& teller, int amount) {
    testscope::Span span("withdraw");
    span.set_attribute("teller", teller).set_attribute("amount", amount);
    const int balance = read_balance();
    if (balance < amount) {
      span.set_attribute("withdraw.status", "insufficient");
      return false;
    }
    const std::string receipt = make_receipt(teller, amount, balance);
    write_balance(balance - amount);
    span.set_attribute("withdraw.status", "paid").set_attribute("receipt", receipt);
    return true;
  }

  // The same withdrawal holding the account's lock from the read to the write.
  bool withdraw_locked(const std::string& teller, int amount) {
    testscope::Span span("withdraw");
    span.set_attribute("teller", teller).set_attribute("amount", amount);
    std::lock_guard<std::mutex> lock(mutex_);
    const int balance = read_balance();
    if (balance < amount) {
      span.set_attribute("withdraw.status", "insufficient");
      return false;
    }
    const std::string receipt = make_receipt(teller, amount, balance);
    write_balance(balance - amount);
    span.set_attribute("withdraw.status", "paid").set_attribute("receipt", receipt);
    return true;
  }

  int balance() const { return balance_.load(std::memory_order_relaxed); }

 private:
  int read_balance() {
    testscope::Span span("read_balance");
    const int balance = balance_.load(std::memory_order_relaxed);
    span.set_attribute("balance", balance);
    return balance;
  }
  void write_balance(int balance) {
    testscope::Span span("write_balance");
    span.set_attribute("balance", balance);
    balance_.store(balance, std::memory_order_relaxed);
  }
  static std::string make_receipt(const std::string& teller, int amount, int balance) {
    return teller + " paid out " + std::to_string(amount) + "; balance " + std::to_string(balance) + " -> " +
           std::to_string(balance - amount);
  }

  std::atomic<int> balance_;
  std::mutex mutex_;
};

// Two tellers withdraw kWithdrawal at once; returns how many were paid out.
int withdraw_concurrently(Account& account, bool (Account::*withdraw)(const std::string&, int)) {
  std::atomic<int> paid{0};
  auto teller = [&](const std::string& name) {
    return race_zoo::Actor{name, race_zoo::random_delay_us(race_zoo::kArrivalSpreadUs), [&, name] {
                             if ((account.*withdraw)(name, kWithdrawal)) paid.fetch_add(1);
                           }};
  };
  race_zoo::run_actors({teller("teller-1"), teller("teller-2")});
  return paid.load();
}

TEST(Balance, RacyWithdrawalsNeverOverdraw) {
  Account account(kOpeningBalance);
  const int paid = withdraw_concurrently(account, &Account::withdraw_racy);
  EXPECT_EQ(paid, 1) << "both withdrawals of " << kWithdrawal << " passed the balance check on an account of "
                     << kOpeningBalance << ": " << paid * kWithdrawal << " paid out";
  EXPECT_EQ(account.balance(), kOpeningBalance - kWithdrawal);
}

TEST(Balance, CorrectWithdrawalsNeverOverdraw) {
  Account account(kOpeningBalance);
  const int paid = withdraw_concurrently(account, &Account::withdraw_locked);
  EXPECT_EQ(paid, 1) << "both withdrawals of " << kWithdrawal << " passed the balance check on an account of "
                     << kOpeningBalance << ": " << paid * kWithdrawal << " paid out";
  EXPECT_EQ(account.balance(), kOpeningBalance - kWithdrawal);
}

}  // namespace
