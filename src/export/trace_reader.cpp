#include "export/trace_reader.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "analysis/artifact_tree.hpp"
#include "analysis/json_errors.hpp"

namespace testscope::exporting {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::size_t kTraceIdHex = 32;
constexpr std::size_t kSpanIdHex = 16;
constexpr std::size_t kStreamBufferBytes = std::size_t{1} << 20U;

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

bool is_hex_id(const json& value, std::size_t digits) {
  if (!value.is_string()) return false;
  const auto& text = value.get_ref<const std::string&>();
  return text.size() == digits && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

// Where the parser is in TracesData: the containers that matter, and kOther for any other.
enum class Place {
  kDocument,
  kResourceSpansList,
  kResourceSpans,
  kScopeSpansList,
  kScopeSpans,
  kSpansList,
  kOther
};

// What the next value is, given where it is: a container to enter, a value to capture whole
// (a resource, a scope, a span), or one to pass over.
enum class Role {
  kEnterDocument,
  kEnterList,
  kEnterResourceSpans,
  kEnterScopeSpans,
  kResource,
  kScope,
  kSpan,
  kSkip
};

struct Frame {
  Place place;
  std::size_t next_index = 0;  // elements seen so far, in a list
  std::string where;           // "resourceSpans[2].scopeSpans[0]", for messages
};

// The SAX handler: follows the nesting, builds one resource, scope or span at a time with
// nlohmann's own DOM builder, and checks the outline. On a mismatch it records the reason
// and stops the parse (returns false).
class TraceSax {
 public:
  using Dom = nlohmann::detail::json_sax_dom_parser<json>;

  TraceSax(const std::vector<otlp::KeyValue>& attributes, const std::string& service_name,
           const SpanVisitor& visit)
      : attributes_(attributes), service_name_(service_name), visit_(visit) {}

  bool null() {
    return scalar([](Dom& d) { return d.null(); });
  }
  bool boolean(bool v) {
    return scalar([v](Dom& d) { return d.boolean(v); });
  }
  bool number_integer(json::number_integer_t v) {
    return scalar([v](Dom& d) { return d.number_integer(v); });
  }
  bool number_unsigned(json::number_unsigned_t v) {
    return scalar([v](Dom& d) { return d.number_unsigned(v); });
  }
  bool number_float(json::number_float_t v, const std::string& s) {
    return scalar([&](Dom& d) { return d.number_float(v, s); });
  }
  bool string(std::string& v) {
    return scalar([&](Dom& d) { return d.string(v); });
  }
  bool binary(json::binary_t& v) {
    return scalar([&](Dom& d) { return d.binary(v); });
  }
  bool start_object(std::size_t n) { return open_container(true, n); }
  bool start_array(std::size_t n) { return open_container(false, n); }
  bool end_object() { return close_container(true); }
  bool end_array() { return close_container(false); }

  bool key(std::string& k) {
    if (dom_) return dom_->key(k);
    if (skip_depth_ == 0) key_ = k;
    return true;
  }

  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/, const json::exception& e) {
    error_ = analysis::describe_json_error(e);
    return false;
  }

  const std::string& error() const { return error_; }
  TraceOutline& outline() { return outline_; }

 private:
  // A scalar: inside a captured value, part of it; else it must be what its place expects.
  template <typename Put>
  bool scalar(Put put) {
    if (dom_) {
      put(*dom_);
      return capture_depth_ > 0 || finish_capture();
    }
    if (skip_depth_ > 0) return true;
    const Role role = role_of_next();
    if (role == Role::kSkip) return true;
    return fail(role);
  }

  bool open_container(bool object, std::size_t n) {
    if (dom_) {
      ++capture_depth_;
      return object ? dom_->start_object(n) : dom_->start_array(n);
    }
    if (skip_depth_ > 0) {
      ++skip_depth_;
      return true;
    }
    const Role role = role_of_next();
    switch (role) {
      case Role::kSkip:
        skip_depth_ = 1;
        return true;
      case Role::kEnterList:
        return object ? fail(role) : enter_list();
      case Role::kEnterDocument:
      case Role::kEnterResourceSpans:
      case Role::kEnterScopeSpans:
        return object ? enter(role) : fail(role);
      case Role::kResource:
      case Role::kScope:
      case Role::kSpan:
        if (!object) return fail(role);
        start_capture(role);
        ++capture_depth_;
        return dom_->start_object(n);
    }
    return true;
  }

  bool close_container(bool object) {
    if (dom_) {
      --capture_depth_;
      if (!(object ? dom_->end_object() : dom_->end_array())) return false;
      return capture_depth_ > 0 || finish_capture();
    }
    if (skip_depth_ > 0) {
      --skip_depth_;
      return true;
    }
    return leave();
  }

  // The role of the value that comes next, from the innermost frame and the last key.
  Role role_of_next() {
    if (stack_.empty()) return Role::kEnterDocument;
    Frame& top = stack_.back();
    switch (top.place) {
      case Place::kDocument:
        return key_ == "resourceSpans" ? Role::kEnterList : Role::kSkip;
      case Place::kResourceSpans:
        if (key_ == "resource") return Role::kResource;
        return key_ == "scopeSpans" ? Role::kEnterList : Role::kSkip;
      case Place::kScopeSpans:
        if (key_ == "scope") return Role::kScope;
        return key_ == "spans" ? Role::kEnterList : Role::kSkip;
      case Place::kResourceSpansList:
        index_ = top.next_index++;
        return Role::kEnterResourceSpans;
      case Place::kScopeSpansList:
        index_ = top.next_index++;
        return Role::kEnterScopeSpans;
      case Place::kSpansList:
        index_ = top.next_index++;
        return Role::kSpan;
      case Place::kOther:
        return Role::kSkip;
    }
    return Role::kSkip;
  }

  // "resourceSpans[1].scopeSpans[0]" and the like, for the value `role` names.
  std::string where_of(Role role) const {
    std::string parent = stack_.empty() ? std::string() : stack_.back().where;
    switch (role) {
      case Role::kEnterDocument:
        return "the document";
      case Role::kEnterList:
      case Role::kResource:
      case Role::kScope:
        return (parent.empty() ? "" : parent + ".") + key_;
      case Role::kEnterResourceSpans:
      case Role::kEnterScopeSpans:
      case Role::kSpan:
        return parent + "[" + std::to_string(index_) + "]";
      case Role::kSkip:
        break;
    }
    return parent;
  }

  bool fail(Role role) {
    error_ = where_of(role) + (role == Role::kEnterList ? " is not an array" : " is not an object");
    return false;
  }

  bool enter_list() {
    const Place list = stack_.back().place == Place::kDocument        ? Place::kResourceSpansList
                       : stack_.back().place == Place::kResourceSpans ? Place::kScopeSpansList
                                                                      : Place::kSpansList;
    stack_.push_back({list, 0, where_of(Role::kEnterList)});
    return true;
  }

  bool enter(Role role) {
    if (role == Role::kEnterDocument) {
      stack_.push_back({Place::kDocument, 0, ""});
    } else if (role == Role::kEnterResourceSpans) {
      stack_.push_back({Place::kResourceSpans, 0, where_of(role)});
      resource_ = json::object();
      outline_.scopes.emplace_back();
    } else {
      stack_.push_back({Place::kScopeSpans, 0, where_of(role)});
      scope_ = json::object();
    }
    key_.clear();
    return true;
  }

  // The end of a container that is not captured: a resourceSpans or scopeSpans ends with
  // its resource or scope kept in the outline.
  bool leave() {
    if (stack_.empty()) return true;
    const Place place = stack_.back().place;
    stack_.pop_back();
    if (place == Place::kResourceSpans) {
      merge_resource(resource_, attributes_, service_name_);
      outline_.resources.push_back(dump(resource_));
    } else if (place == Place::kScopeSpans) {
      outline_.scopes.back().push_back(dump(scope_));
    }
    key_.clear();
    return true;
  }

  void start_capture(Role role) {
    capture_role_ = role;
    capture_where_ = where_of(role);
    captured_ = json();
    dom_.emplace(captured_);
  }

  bool finish_capture() {
    dom_.reset();
    switch (capture_role_) {
      case Role::kResource:
        resource_ = std::move(captured_);
        return true;
      case Role::kScope:
        scope_ = std::move(captured_);
        return true;
      default:
        return finish_span();
    }
  }

  bool finish_span() {
    if (!is_hex_id(captured_.value("traceId", json()), kTraceIdHex)) {
      error_ = capture_where_ + ".traceId is not 32 hex digits";
      return false;
    }
    if (!is_hex_id(captured_.value("spanId", json()), kSpanIdHex)) {
      error_ = capture_where_ + ".spanId is not 16 hex digits";
      return false;
    }
    ++outline_.span_count;
    if (visit_) {
      const std::size_t resource = outline_.scopes.size() - 1;
      visit_(resource, outline_.scopes[resource].size(), dump(captured_));
    }
    return true;
  }

  const std::vector<otlp::KeyValue>& attributes_;
  const std::string& service_name_;
  const SpanVisitor& visit_;
  std::vector<Frame> stack_;
  std::string key_;             // the last key read in a frame of interest
  std::size_t index_ = 0;       // the index in its list of the value that comes next
  std::size_t skip_depth_ = 0;  // containers entered inside a value passed over
  std::optional<Dom> dom_;      // builds the value being captured
  std::size_t capture_depth_ = 0;
  Role capture_role_ = Role::kSkip;
  std::string capture_where_;
  json captured_;
  json resource_;  // of the resourceSpans being read
  json scope_;     // of the scopeSpans being read
  TraceOutline outline_;
  std::string error_;
};

}  // namespace

void merge_resource(json& resource, const std::vector<otlp::KeyValue>& attributes,
                    const std::string& service_name) {
  json& list = resource["attributes"];
  if (!list.is_array()) list = json::array();
  auto set = [&](const std::string& key, const std::string& value, bool replace) {
    for (json& entry : list) {
      if (entry.is_object() && entry.value("key", std::string()) == key) {
        if (replace) entry["value"] = json{{"stringValue", value}};
        return;
      }
    }
    list.push_back(json{{"key", key}, {"value", {{"stringValue", value}}}});
  };
  for (const otlp::KeyValue& kv : attributes) set(kv.key, kv.value, true);
  set("service.name", service_name, false);
}

TraceOutline read_trace(const fs::path& path, const std::vector<otlp::KeyValue>& resource_attributes,
                        const std::string& default_service_name, const SpanVisitor& visit) {
  std::string error;
  std::uintmax_t size = 0;
  const analysis::ArtifactStream file = analysis::open_artifact_file(path, &error, &size);
  if (!file) throw std::runtime_error(error);
  if (size == 0) throw std::runtime_error("is empty");
  std::setvbuf(file.get(), nullptr, _IOFBF, kStreamBufferBytes);
  TraceSax sax(resource_attributes, default_service_name, visit);
  if (!json::sax_parse(file.get(), &sax)) throw std::runtime_error(sax.error());
  if (std::ferror(file.get()) != 0) throw std::runtime_error("cannot be read (a read error)");
  return std::move(sax.outline());
}

}  // namespace testscope::exporting
