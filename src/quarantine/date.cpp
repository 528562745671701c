// Date arithmetic on std::chrono's civil calendar; mode names.
#include <fmt/format.h>

#include <chrono>
#include <ctime>

#include "testscope/quarantine.hpp"

namespace testscope::quarantine {
namespace {

std::chrono::year_month_day civil(const Date& d) {
  return std::chrono::year{d.year} / std::chrono::month{static_cast<unsigned>(d.month)} /
         std::chrono::day{static_cast<unsigned>(d.day)};
}

Date from_civil(const std::chrono::year_month_day& ymd) {
  return Date{static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
              static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

// The digits of text[from, from + count) as a number; -1 when any is not a digit.
int digits(std::string_view text, std::size_t from, std::size_t count) {
  int value = 0;
  for (std::size_t i = from; i < from + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

bool Date::valid() const {
  return year >= 0 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && civil(*this).ok();
}

std::optional<Date> Date::parse(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const Date date{digits(text, 0, 4), digits(text, 5, 2), digits(text, 8, 2)};
  if (!date.valid()) return std::nullopt;
  return date;
}

Date Date::today() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  return Date{local.tm_year + 1900, local.tm_mon + 1, local.tm_mday};
}

std::string Date::to_string() const { return fmt::format("{:04}-{:02}-{:02}", year, month, day); }

Date Date::plus_days(int days) const {
  return from_civil(
      std::chrono::year_month_day{std::chrono::sys_days{civil(*this)} + std::chrono::days{days}});
}

int Date::days_until(Date later) const {
  return static_cast<int>(
      (std::chrono::sys_days{civil(later)} - std::chrono::sys_days{civil(*this)}).count());
}

std::string_view mode_name(Mode mode) { return mode == Mode::kSkip ? "skip" : "run"; }

std::optional<Mode> parse_mode(std::string_view name) {
  if (name == "run") return Mode::kRun;
  if (name == "skip") return Mode::kSkip;
  return std::nullopt;
}

}  // namespace testscope::quarantine
