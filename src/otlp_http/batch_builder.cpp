#include "otlp_http/batch_builder.hpp"

namespace testscope::otlp {
namespace {

// What closes an open body after its last item: the items array, the scope entry, the
// scope array, the resource entry; then the top array and object.
constexpr std::string_view kEntryClose = "]}]}";
constexpr std::string_view kBodyClose = "]}";

}  // namespace

BatchBuilder::BatchBuilder(Signal signal, std::size_t max_body_bytes)
    : top_key_(signal == Signal::kTraces ? "resourceSpans" : "resourceLogs"),
      scope_key_(signal == Signal::kTraces ? "scopeSpans" : "scopeLogs"),
      items_key_(signal == Signal::kTraces ? "spans" : "logRecords"),
      max_body_bytes_(max_body_bytes) {}

std::string BatchBuilder::entry_header(std::string_view resource_json, std::string_view scope_json) const {
  std::string header;
  header.reserve(resource_json.size() + scope_json.size() + 64);
  header.append(R"({"resource":)").append(resource_json);
  header.append(R"(,")").append(scope_key_).append(R"(":[{"scope":)").append(scope_json);
  header.append(R"(,")").append(items_key_).append(R"(":[)");
  return header;
}

Batch BatchBuilder::close_body() {
  if (entry_open_) body_.append(kEntryClose);
  body_.append(kBodyClose);
  Batch batch{std::move(body_), body_items_, oversized_};
  body_.clear();
  body_items_ = 0;
  entry_items_ = 0;
  entry_open_ = false;
  oversized_ = false;
  return batch;
}

void BatchBuilder::begin(std::string_view resource_json, std::string_view scope_json) {
  // A new resource entry for every call: entries are not merged across calls.
  if (entry_open_) {
    body_.append(kEntryClose);
    entry_open_ = false;
  }
  header_ = entry_header(resource_json, scope_json);
}

std::optional<Batch> BatchBuilder::add_item(std::string_view item) {
  std::optional<Batch> done;
  const std::size_t body_open = 5 + top_key_.size();  // {"<top>":[
  std::size_t needed = item.size() + kEntryClose.size() + kBodyClose.size();
  if (entry_open_) {
    needed += entry_items_ > 0 ? 1 : 0;
  } else {
    needed += header_.size() + (body_.empty() ? body_open : 1);
  }
  if (body_items_ > 0 && body_.size() + needed > max_body_bytes_) done = close_body();
  if (!entry_open_) {
    if (body_.empty()) {
      body_.append("{\"").append(top_key_).append("\":[");
    } else {
      body_.push_back(',');
    }
    body_.append(header_);
    entry_open_ = true;
    entry_items_ = 0;
  }
  if (entry_items_ > 0) body_.push_back(',');
  body_.append(item);
  ++entry_items_;
  ++body_items_;
  if (body_.size() + kEntryClose.size() + kBodyClose.size() > max_body_bytes_) oversized_ = true;
  return done;
}

std::vector<Batch> BatchBuilder::add(std::string_view resource_json, std::string_view scope_json,
                                     const std::vector<std::string>& items) {
  std::vector<Batch> done;
  if (items.empty()) return done;
  begin(resource_json, scope_json);
  for (const std::string& item : items) {
    if (std::optional<Batch> batch = add_item(item)) done.push_back(std::move(*batch));
  }
  return done;
}

std::optional<Batch> BatchBuilder::finish() {
  if (body_items_ == 0) {
    body_.clear();
    entry_open_ = false;
    return std::nullopt;
  }
  return close_body();
}

}  // namespace testscope::otlp
