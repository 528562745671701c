// testscope/attribute.hpp: typed key/value pairs attached to spans and events.
//
// An AttributeValue is a non-owning view of a string, a 64-bit integer, a double or a
// bool, named after OpenTelemetry's attribute types. Values are copied into the
// recorder when they are recorded, so a view only needs to outlive the call it is
// passed to.
//
//   span.set_attribute("promo.code", code);      // std::string, string_view, const char*
//   span.set_attribute("promo.uses", uses);      // any integer type -> int64 (as OpenTelemetry;
//                                                // unsigned values above INT64_MAX wrap)
//   span.set_attribute("ratio", 0.5);            // float/double
//   span.set_attribute("cache.hit", true);       // bool (only a real bool, never a pointer)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace testscope {

// A typed attribute value: string (view), int64, double or bool. Trivially copyable;
// holds no ownership. Thread-compatible.
class AttributeValue {
 public:
  // Implicit by design: set_attribute("k", 42) must just work. The union member a
  // constructor does not set is never read (type_ says which one is live).
  // NOLINTBEGIN(google-explicit-constructor,cppcoreguidelines-pro-type-member-init)
  enum class Type : std::uint8_t { kString = 0, kInt = 1, kDouble = 2, kBool = 3 };

  AttributeValue(std::string_view v) noexcept : type_(Type::kString), str_(v) {}
  AttributeValue(const char* v) noexcept
      : type_(Type::kString), str_(v != nullptr ? std::string_view(v) : std::string_view()) {}
  AttributeValue(const std::string& v) noexcept : type_(Type::kString), str_(v) {}
  template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  AttributeValue(T v) noexcept : type_(Type::kInt), int_(static_cast<std::int64_t>(v)) {}
  AttributeValue(double v) noexcept : type_(Type::kDouble), double_(v) {}
  AttributeValue(float v) noexcept : type_(Type::kDouble), double_(v) {}
  template <typename T, std::enable_if_t<std::is_same_v<T, bool>, int> = 0>
  AttributeValue(T v) noexcept : type_(Type::kBool), bool_(v) {}
  // NOLINTEND(google-explicit-constructor,cppcoreguidelines-pro-type-member-init)

  Type type() const noexcept { return type_; }
  // Each accessor is valid only for its type().
  std::string_view as_string() const noexcept { return str_; }
  // NOLINTBEGIN(cppcoreguidelines-pro-type-union-access): a std::variant costs more on the hot path
  std::int64_t as_int() const noexcept { return int_; }
  double as_double() const noexcept { return double_; }
  bool as_bool() const noexcept { return bool_; }
  // NOLINTEND(cppcoreguidelines-pro-type-union-access)

 private:
  Type type_;
  std::string_view str_;
  union {
    // NOLINTBEGIN(readability-identifier-naming): private in effect; int/double/bool are keywords
    std::int64_t int_ = 0;
    double double_;
    bool bool_;
    // NOLINTEND(readability-identifier-naming)
  };
};

// A key and a value, both views; used for event attributes in an initializer list.
struct Attribute {
  std::string_view key;
  AttributeValue value;
};

}  // namespace testscope
