// The list of collectables testscope reads: its default registry plus registered ones.
#include <cstdio>
#include <mutex>

#include "testscope/metrics.hpp"

namespace testscope {
namespace {

struct Collectables {
  std::mutex mutex;
  std::vector<std::weak_ptr<prometheus::Collectable>> items;
};

Collectables& collectables() {
  // NOLINTNEXTLINE(cppcoreguidelines-owning-memory): leaked on purpose, outlives static destructors
  static auto* instance = new Collectables();
  return *instance;
}

}  // namespace

std::shared_ptr<prometheus::Registry> default_registry() {
  static const std::shared_ptr<prometheus::Registry> kRegistry = [] {
    auto r = std::make_shared<prometheus::Registry>();
    register_collectable(r);
    return r;
  }();
  return kRegistry;
}

void register_collectable(const std::weak_ptr<prometheus::Collectable>& collectable) {
  Collectables& c = collectables();
  std::lock_guard<std::mutex> lock(c.mutex);
  // The same collectable registered twice is read once.
  const std::owner_less<std::weak_ptr<prometheus::Collectable>> same_owner;
  for (const auto& item : c.items) {
    if (!same_owner(item, collectable) && !same_owner(collectable, item)) return;
  }
  c.items.push_back(collectable);
}

std::vector<prometheus::MetricFamily> collect_all() {
  std::vector<std::shared_ptr<prometheus::Collectable>> alive;
  try {
    (void)default_registry();
    Collectables& c = collectables();
    std::lock_guard<std::mutex> lock(c.mutex);
    for (auto it = c.items.begin(); it != c.items.end();) {
      if (auto item = it->lock()) {
        alive.push_back(std::move(item));
        ++it;
      } else {
        it = c.items.erase(it);
      }
    }
  } catch (...) {
    return {};
  }
  std::vector<prometheus::MetricFamily> families;
  for (const auto& item : alive) {
    try {
      auto collected = item->Collect();
      families.insert(families.end(), std::make_move_iterator(collected.begin()),
                      std::make_move_iterator(collected.end()));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "testscope: warning: a metrics collectable failed: %s\n", e.what());
    }
  }
  return families;
}

}  // namespace testscope
