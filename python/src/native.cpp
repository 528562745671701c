// testscope._native: the pytest front's bridge to the C++ core. A TestSession per pytest
// session (options, artifacts, console timeline, quarantine, endpoint, push, live export),
// spans and log events recorded into the same per-thread buffers as C++ code (asyncio tasks
// as lanes of their own), and prometheus_client's registry read as a collectable. The Python
// side (testscope/plugin.py, testscope/otel.py) calls these; nothing here is public API.
#include <Python.h>
#include <frameobject.h>
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/string_view.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>
#include <prometheus/client_metric.h>
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "testscope/artifacts.hpp"
#include "testscope/detail/foreign.hpp"
#include "testscope/harness.hpp"
#include "testscope/metrics.hpp"
#include "testscope/span.hpp"
#include "testscope/timeline.hpp"

namespace nb = nanobind;
using testscope::detail::ForeignSpan;
using testscope::detail::ThreadState;

namespace {

// ---- Lanes ------------------------------------------------------------------------------------

// Lanes by id, per OS thread: a lane is written only from the thread that opened it (its
// event loop's), and an id that is unknown here (closed, or another thread's) means the
// calling thread's own buffer. So a span that outlives its task, or is ended on another
// thread, never writes into a freed or foreign lane.
thread_local std::unordered_map<std::uint64_t, ThreadState*> t_lanes;
std::atomic<std::uint64_t> g_next_lane{1};

ThreadState* lane_ptr(std::uint64_t lane) noexcept {
  if (lane == 0) return nullptr;
  auto it = t_lanes.find(lane);
  return it != t_lanes.end() ? it->second : nullptr;
}

std::uint64_t open_lane(std::string_view name) {
  ThreadState* state = testscope::detail::open_lane(name);
  if (state == nullptr) return 0;
  const std::uint64_t id = g_next_lane.fetch_add(1, std::memory_order_relaxed);
  t_lanes.emplace(id, state);
  return id;
}

void close_lane(std::uint64_t lane) {
  auto it = t_lanes.find(lane);
  if (it == t_lanes.end()) return;
  testscope::detail::close_lane(it->second);
  t_lanes.erase(it);
}

// The lane of the calling code: asyncio's running loop decides. Without one (plain code,
// threads) it is the thread's own buffer, named once after the Python thread; with one,
// testscope/_lanes.py's current_lane() finds (or opens) the running task's lane.
thread_local bool t_thread_named = false;

std::uint64_t resolve_lane() {
  static PyObject* get_running_loop = nullptr;  // asyncio.events._get_running_loop
  static PyObject* task_lane = nullptr;         // testscope._lanes.current_lane
  if (get_running_loop == nullptr) {
    nb::module_ events = nb::module_::import_("asyncio.events");
    get_running_loop = nb::object(events.attr("_get_running_loop")).release().ptr();
    nb::module_ lanes = nb::module_::import_("testscope._lanes");
    task_lane = nb::object(lanes.attr("current_lane")).release().ptr();
  }
  PyObject* loop = PyObject_CallNoArgs(get_running_loop);
  if (loop == nullptr) throw nb::python_error();
  const bool in_loop = loop != Py_None;
  Py_DECREF(loop);
  if (in_loop) return nb::cast<std::uint64_t>(nb::handle(task_lane)());
  if (!t_thread_named) {
    t_thread_named = true;
    nb::object thread = nb::module_::import_("threading").attr("current_thread")();
    testscope::set_thread_name(nb::cast<std::string>(thread.attr("name")));
  }
  return 0;
}

constexpr std::uint64_t kResolveLane = ~std::uint64_t{0};

// Records into `lane` (0: the thread's own buffer) for one call.
class InLane {
 public:
  explicit InLane(std::uint64_t lane) noexcept {
    ThreadState* state = lane_ptr(lane);
    entered_ = state != nullptr;
    if (entered_) previous_ = testscope::detail::enter_lane(state);
  }
  ~InLane() {
    if (entered_) testscope::detail::enter_lane(previous_);
  }
  InLane(const InLane&) = delete;
  InLane& operator=(const InLane&) = delete;
  InLane(InLane&&) = delete;
  InLane& operator=(InLane&&) = delete;

 private:
  bool entered_ = false;
  ThreadState* previous_ = nullptr;
};

// ---- Call sites: the code object of the Python caller, interned for the program's life --------

struct Site {
  std::string file;
  std::string function;
  bool library = false;  // OpenTelemetry's API or SDK, contextlib, or this package's Python side
};

std::unordered_map<PyCodeObject*, const Site*>& sites() {
  static auto* map = new std::unordered_map<PyCodeObject*, const Site*>();  // NOLINT: lives for the program
  return *map;
}

// The interned site of a code object (the map keeps a reference: its address is never reused).
const Site* site_of(PyCodeObject* code) {
  auto& map = sites();
  auto it = map.find(code);
  if (it != map.end()) return it->second;
  auto* site = new Site();  // NOLINT(cppcoreguidelines-owning-memory): interned, never freed
  const char* file = PyUnicode_AsUTF8(code->co_filename);
#if PY_VERSION_HEX >= 0x030B0000
  const char* function = PyUnicode_AsUTF8(code->co_qualname != nullptr ? code->co_qualname : code->co_name);
#else
  const char* function = PyUnicode_AsUTF8(code->co_name);
#endif
  if (file == nullptr || function == nullptr) PyErr_Clear();
  site->file = file != nullptr ? file : "";
  site->function = function != nullptr ? function : "";
  const std::string& f = site->file;
  site->library = f.find("/opentelemetry/") != std::string::npos || f.ends_with("/contextlib.py") ||
                  f.find("/testscope/otel.py") != std::string::npos ||
                  f.find("/testscope/_lanes.py") != std::string::npos;
  Py_INCREF(code);
  map.emplace(code, site);
  return site;
}

// The file, function and line of the Python code that started a span: the first frame at
// least `depth` frames above the caller of the native function that is outside
// OpenTelemetry, contextlib and this package's Python side.
std::tuple<const char*, const char*, std::uint32_t> caller_site(int depth) {
  static const Site kUnknown{"", "", false};
  PyFrameObject* frame = PyEval_GetFrame();  // borrowed
  if (frame == nullptr) return {kUnknown.file.c_str(), kUnknown.function.c_str(), 0};
  Py_INCREF(frame);
  const Site* site = nullptr;
  for (int i = 0;; ++i) {
    PyCodeObject* code = PyFrame_GetCode(frame);
    site = site_of(code);
    Py_DECREF(code);
    if (i >= depth && !site->library) break;
    PyFrameObject* back = PyFrame_GetBack(frame);
    if (back == nullptr) break;
    Py_DECREF(frame);
    frame = back;
  }
  const auto line = static_cast<std::uint32_t>(PyFrame_GetLineNumber(frame));
  Py_DECREF(frame);
  return {site->file.c_str(), site->function.c_str(), line};
}

// ---- Attribute values -------------------------------------------------------------------------

// A Python value as an attribute value; `storage` keeps a converted string alive.
testscope::AttributeValue to_value(nb::handle value, std::string& storage) {
  if (PyBool_Check(value.ptr())) return value.ptr() == Py_True;
  if (PyLong_CheckExact(value.ptr()) || PyLong_Check(value.ptr())) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
    if (overflow == 0 && !(v == -1 && PyErr_Occurred())) return static_cast<std::int64_t>(v);
    PyErr_Clear();
  } else if (PyFloat_Check(value.ptr())) {
    return PyFloat_AS_DOUBLE(value.ptr());
  } else if (PyUnicode_Check(value.ptr())) {
    Py_ssize_t size = 0;
    const char* text = PyUnicode_AsUTF8AndSize(value.ptr(), &size);
    if (text != nullptr) return std::string_view(text, static_cast<std::size_t>(size));
    PyErr_Clear();
  }
  // Sequences and anything else: their str(), as OpenTelemetry's console exporter shows them.
  storage = nb::cast<std::string>(nb::str(value));
  return std::string_view(storage);
}

// Attributes from a dict (or any mapping with items()).
void for_attributes(nb::handle mapping, std::vector<std::string>& keys, std::deque<std::string>& storage,
                    std::vector<testscope::Attribute>& out) {
  if (mapping.is_none()) return;
  nb::object items = mapping.attr("items")();
  for (nb::handle item : items) {
    nb::handle key = item[0];
    keys.push_back(nb::cast<std::string>(nb::str(key)));
  }
  std::size_t i = 0;
  for (nb::handle item : items) {
    storage.emplace_back();
    out.push_back(testscope::Attribute{keys[i++], to_value(item[1], storage.back())});
  }
}

// ---- Spans ------------------------------------------------------------------------------------

// A span begun from Python: its ids and what its end needs.
struct NativeSpan {
  ForeignSpan span;
  std::uint64_t lane = 0;  // the lane it began in
  bool ended = false;
  std::string provoke_name;  // set only under --provoke: the point's name at the end

  bool recording() const { return span.context.valid() && !ended; }
  std::uint64_t span_id() const { return span.context.span_id; }
  std::uint64_t trace_hi() const { return span.context.trace_id.hi; }
  std::uint64_t trace_lo() const { return span.context.trace_id.lo; }

  void set_attribute(std::uint64_t lane, std::string_view key, nb::handle value) {
    if (!recording()) return;
    std::string storage;
    const testscope::AttributeValue v = to_value(value, storage);
    InLane in(lane);
    testscope::detail::record_attribute(span.context.span_id, key, v);
  }
  // At `unix_ns` (an SDK event's own timestamp) when given, else now.
  void add_event(std::uint64_t lane, std::string_view name, nb::handle attributes,
                 std::optional<std::int64_t> unix_ns) {
    if (!recording()) return;
    std::vector<std::string> keys;
    std::deque<std::string> storage;
    std::vector<testscope::Attribute> list;
    for_attributes(attributes, keys, storage, list);
    InLane in(lane);
    if (unix_ns) {
      testscope::detail::record_foreign_event_at(span.context.span_id,
                                                 testscope::detail::foreign_ticks_at_unix_ns(*unix_ns), name,
                                                 list.data(), list.size());
    } else {
      testscope::detail::record_event(span.context.span_id, name, list.data(), list.size());
    }
  }
  void set_status(std::uint64_t lane, int code, std::string_view message) {
    if (!recording()) return;
    InLane in(lane);
    testscope::detail::record_status(span.context.span_id, static_cast<std::uint8_t>(code), message);
  }
  void end(std::uint64_t lane) {
    if (!recording()) return;
    ended = true;
    InLane in(lane);
    testscope::detail::end_foreign_span(span);
    if (testscope::detail::provoke_active() && lane_ptr(lane) == nullptr) [[unlikely]] {
      testscope::detail::ForeignWait wait;
      {
        const nb::gil_scoped_release unlocked;  // other Python threads run while this one waits
        wait =
            testscope::detail::foreign_provoke_wait(testscope::detail::ForeignPoint::kEnd, provoke_name, 0);
      }
      testscope::detail::record_foreign_wait(span.context.span_id, wait);
    }
  }
};

// Records that the task named `task` was resumed `waited_ns` late (from `start_ticks`), on
// span `span_id` (0: the test's root) in `lane`.
void record_resume_wait(std::uint64_t lane, std::uint64_t span_id, std::uint64_t start_ticks,
                        std::int64_t waited_ns, std::string_view task) {
  InLane in(lane);
  const testscope::detail::ForeignWait wait{start_ticks, waited_ns, testscope::detail::ForeignPoint::kResume,
                                            task};
  testscope::detail::record_foreign_wait(span_id, wait);
}

// Begins a span named `name` under (parent_hi, parent_lo, parent_span) (all 0: the test's
// root), with its own ids when self_span is not 0 (an SDK span's), from the code `depth`
// frames above the caller.
NativeSpan begin_span(std::uint64_t lane, std::string_view name, std::uint64_t parent_span,
                      std::uint64_t parent_hi, std::uint64_t parent_lo, std::uint64_t self_span,
                      std::uint64_t self_hi, std::uint64_t self_lo, int depth) {
  NativeSpan result;
  if (lane == kResolveLane) lane = resolve_lane();
  result.lane = lane;
  if (!testscope::detail::capture_active()) return result;
  const auto [file, function, line] = caller_site(depth);
  testscope::SpanContext parent{testscope::TraceId{parent_hi, parent_lo}, parent_span, true};
  testscope::SpanContext self{testscope::TraceId{self_hi, self_lo}, self_span, true};
  InLane in(lane);
  testscope::detail::ForeignWait wait;
  if (testscope::detail::provoke_active() && lane_ptr(lane) == nullptr) [[unlikely]] {
    // Before the span, as in C++: the wait is not its time. Threads only (see foreign.hpp).
    result.provoke_name = std::string(name);
    const nb::gil_scoped_release unlocked;  // other Python threads run while this one waits
    wait = testscope::detail::foreign_provoke_wait(testscope::detail::ForeignPoint::kBegin,
                                                   result.provoke_name, line);
  }
  result.span = testscope::detail::begin_foreign_span(name, parent, self, file, function, line);
  testscope::detail::record_foreign_wait(result.span.context.span_id, wait);
  return result;
}

void log_event(std::uint64_t lane, int severity, std::string_view event, std::uint64_t span_id,
               std::uint64_t trace_hi, std::uint64_t trace_lo, nb::handle fields) {
  if (!testscope::detail::capture_active()) return;
  std::vector<std::string> keys;
  std::deque<std::string> storage;
  std::vector<testscope::Attribute> list;
  for_attributes(fields, keys, storage, list);
  const testscope::SpanContext context{testscope::TraceId{trace_hi, trace_lo}, span_id, true};
  InLane in(lane);
  testscope::detail::record_foreign_log(context, static_cast<std::uint8_t>(severity), event, list.data(),
                                        list.size());
}

// ---- prometheus_client as a collectable ------------------------------------------------------

// Calls a Python function returning [(name, help, type, [(labels, value, buckets, sum, count)])]
// (testscope/metrics.py) and builds prometheus-cpp families from it, holding the GIL meanwhile.
class PythonCollectable : public prometheus::Collectable {
 public:
  explicit PythonCollectable(nb::object collect) : collect_(std::move(collect)) {}
  // The callable is never released: the collectable may be read after the interpreter is gone.
  ~PythonCollectable() override { (void)collect_.release(); }
  PythonCollectable(const PythonCollectable&) = delete;
  PythonCollectable& operator=(const PythonCollectable&) = delete;
  PythonCollectable(PythonCollectable&&) = delete;
  PythonCollectable& operator=(PythonCollectable&&) = delete;

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> families;
#if PY_VERSION_HEX >= 0x030D0000
    if (Py_IsInitialized() == 0 || Py_IsFinalizing() != 0) return families;
#else
    if (Py_IsInitialized() == 0 || _Py_IsFinalizing() != 0) return families;
#endif
    const nb::gil_scoped_acquire gil;
    try {
      const nb::object result = collect_();
      for (nb::handle family : result) {
        prometheus::MetricFamily f;
        f.name = nb::cast<std::string>(family[0]);
        f.help = nb::cast<std::string>(family[1]);
        const auto type = nb::cast<std::string>(family[2]);
        f.type = type == "counter"     ? prometheus::MetricType::Counter
                 : type == "histogram" ? prometheus::MetricType::Histogram
                 : type == "summary"   ? prometheus::MetricType::Summary
                 : type == "gauge"     ? prometheus::MetricType::Gauge
                                       : prometheus::MetricType::Untyped;
        for (nb::handle sample : family[3]) {
          prometheus::ClientMetric m;
          for (auto [k, v] : nb::cast<nb::dict>(sample[0])) {
            m.label.push_back({nb::cast<std::string>(k), nb::cast<std::string>(v)});
          }
          const auto value = nb::cast<double>(sample[1]);
          switch (f.type) {
            case prometheus::MetricType::Counter:
              m.counter.value = value;
              break;
            case prometheus::MetricType::Gauge:
              m.gauge.value = value;
              break;
            case prometheus::MetricType::Histogram:
              for (nb::handle bucket : sample[2]) {
                prometheus::ClientMetric::Bucket b;
                b.upper_bound = nb::cast<double>(bucket[0]);
                b.cumulative_count = static_cast<std::uint64_t>(nb::cast<double>(bucket[1]));
                m.histogram.bucket.push_back(b);
              }
              m.histogram.sample_sum = nb::cast<double>(sample[3]);
              m.histogram.sample_count = static_cast<std::uint64_t>(nb::cast<double>(sample[4]));
              break;
            case prometheus::MetricType::Summary:
              m.summary.sample_sum = nb::cast<double>(sample[3]);
              m.summary.sample_count = static_cast<std::uint64_t>(nb::cast<double>(sample[4]));
              break;
            default:
              m.untyped.value = value;
              break;
          }
          f.metric.push_back(std::move(m));
        }
        families.push_back(std::move(f));
      }
    } catch (const std::exception& e) {
      PyErr_Clear();
      std::fprintf(stderr, "testscope: warning: reading prometheus_client metrics: %s\n", e.what());
    }
    return families;
  }

 private:
  mutable nb::object collect_;
};

void register_python_metrics(nb::object collect) {
  // Held for the program's life (the registry keeps a weak pointer).
  static auto* holder = new std::vector<std::shared_ptr<PythonCollectable>>();  // NOLINT: never destroyed
  holder->push_back(std::make_shared<PythonCollectable>(std::move(collect)));
  testscope::register_collectable(holder->back());
}

// ---- The session ------------------------------------------------------------------------------

const char* console_name(testscope::ConsoleMode mode) {
  switch (mode) {
    case testscope::ConsoleMode::kNever:
      return "never";
    case testscope::ConsoleMode::kAlways:
      return "always";
    case testscope::ConsoleMode::kFailed:
      break;
  }
  return "failed";
}

testscope::Outcome outcome_of(std::string_view name) {
  if (name == "pass") return testscope::Outcome::kPass;
  if (name == "skip") return testscope::Outcome::kSkip;
  return testscope::Outcome::kFail;
}

// The pytest session's TestSession. The console timeline is the plugin's to print (inside
// pytest's failure report), so the session itself never prints one.
class Session {
 public:
  // `flags`: --testscope-* flags as pytest parsed them (harness spelling), read by the
  // harness parser over the TESTSCOPE_* environment. `argv`: run.json's command line.
  Session(const std::vector<std::string>& flags, const std::vector<std::string>& argv, bool secondary) {
    std::vector<std::string> args{"pytest"};
    args.insert(args.end(), flags.begin(), flags.end());
    std::vector<char*> raw;
    raw.reserve(args.size() + 1);
    for (std::string& a : args) raw.push_back(a.data());
    raw.push_back(nullptr);
    int argc = static_cast<int>(args.size());
    std::vector<std::string> warnings;
    options_ = testscope::parse_options(&argc, raw.data(), testscope::FlagStyle::kDash, &warnings);
    for (const std::string& w : warnings) std::fprintf(stderr, "testscope: warning: %s\n", w.c_str());
    for (int i = 1; i < argc; ++i) std::fprintf(stderr, "testscope: warning: unknown flag %s\n", raw[i]);
    console_ = options_.console;
    testscope::SessionOptions session_options = options_;
    session_options.console = testscope::ConsoleMode::kNever;
    testscope::FrontInfo front;
    front.framework = "pytest";
    front.role = secondary ? testscope::ProcessRole::kSecondary : testscope::ProcessRole::kMain;
    front.color = false;
    front.print_quarantined = false;  // the plugin puts the note in pytest's report
    std::vector<const char*> argv_raw;
    argv_raw.reserve(argv.size());
    for (const std::string& a : argv) argv_raw.push_back(a.c_str());
    session_ = std::make_unique<testscope::TestSession>(std::move(session_options), std::move(front),
                                                        static_cast<int>(argv_raw.size()), argv_raw.data());
  }

  nb::dict options() const {
    nb::dict d;
    d["artifacts_dir"] = options_.artifacts_dir;
    d["console"] = console_name(console_);
    d["metrics_filter"] = options_.metrics_filter;
    if (options_.shard) {
      d["shard"] = nb::make_tuple(options_.shard->index, options_.shard->total);
    } else {
      d["shard"] = nb::none();
    }
    if (options_.shuffle_seed) {
      d["shuffle_seed"] = *options_.shuffle_seed;
    } else {
      d["shuffle_seed"] = nb::none();
    }
    return d;
  }

  bool is_skipped(const std::string& name) const { return session_->is_skipped(name); }

  void begin_program(std::int64_t seed) { session_->begin_program(seed); }

  void begin_test(const std::string& name, const std::string& file, int line) {
    testscope::TestInfo info;
    info.name = name;  // the node id; no suite, so full_name() is the node id
    info.file = file;
    info.line = line;
    session_->begin_test(std::move(info));
  }

  void add_failure(const std::string& file, int line, const std::string& message, bool fatal,
                   const std::string& type) {
    testscope::Failure failure;
    failure.file = file;
    failure.line = line;
    failure.message = message;
    failure.fatal = fatal;
    failure.type = type;  // the Python exception's class; "" for pytest.fatal_failure
    session_->add_failure(std::move(failure));
  }

  // Ends the test; returns its trace id and the quarantine note's text ("" if none).
  std::pair<std::string, std::string> end_test(const std::string& outcome) {
    record_ = &session_->end_test(outcome_of(outcome));
    std::string note;
    if (record_->quarantine) {
      const testscope::QuarantineNote& q = *record_->quarantine;
      note = "[QUARANTINED] " + record_->test.full_name() + ": " + q.reason + " (owner " + q.owner +
             ", until " + q.expires + ", " + q.file + ":" + std::to_string(q.line) +
             "); does not fail the build";
    }
    return {record_->trace_id.to_hex(), note};
  }

  void finish_test() { session_->finish_test(); }

  // The last ended test's timeline, as the C++ console prints it.
  std::string timeline(bool color) const {
    if (record_ == nullptr) return {};
    testscope::TimelineOptions timeline;
    timeline.color = color;
    timeline.metrics_filter = options_.metrics_filter;
    if (!options_.artifacts_dir.empty() && record_->root_span_id != 0) {
      timeline.artifacts_dir = testscope::ArtifactWriter(options_.artifacts_dir).test_dir(*record_);
    }
    return testscope::format_timeline(*record_, timeline);
  }

  int end_program(int status, int run, int failed, int skipped) {
    testscope::TestCounts counts;
    counts.run = run;
    counts.failed = failed;
    counts.skipped = skipped;
    return session_->end_program(status, counts);
  }

 private:
  testscope::SessionOptions options_;
  testscope::ConsoleMode console_ = testscope::ConsoleMode::kFailed;
  std::unique_ptr<testscope::TestSession> session_;
  const testscope::TestRecord* record_ = nullptr;
};

}  // namespace

NB_MODULE(_native, m) {
  m.doc() = "testscope's native core for the pytest front (internal)";
  // The session and the interned call sites live until the process ends, on purpose.
  nb::set_leak_warnings(false);

  nb::class_<NativeSpan>(m, "NativeSpan")
      .def(nb::init<>())  // a span that records nothing
      .def_prop_ro("recording", &NativeSpan::recording)
      .def_prop_ro("span_id", &NativeSpan::span_id)
      .def_prop_ro("trace_hi", &NativeSpan::trace_hi)
      .def_prop_ro("trace_lo", &NativeSpan::trace_lo)
      .def_ro("lane", &NativeSpan::lane)
      .def("set_attribute", &NativeSpan::set_attribute)
      .def("add_event", &NativeSpan::add_event, nb::arg("lane"), nb::arg("name"), nb::arg("attributes"),
           nb::arg("unix_ns") = nb::none())
      .def("set_status", &NativeSpan::set_status)
      .def("end", &NativeSpan::end);
  m.def("begin_span", &begin_span);
  m.attr("RESOLVE_LANE") = kResolveLane;
  m.def("current_lane", &resolve_lane);
  m.def("capture_active", [] { return testscope::detail::capture_active(); });
  m.def("root_context", [] {
    const testscope::SpanContext root = testscope::detail::foreign_root_context();
    return std::make_tuple(root.span_id, root.trace_id.hi, root.trace_id.lo);
  });
  m.def("log_event", &log_event);
  // Provocation of asyncio tasks (testscope/_provoke.py).
  m.def("provoke_active", [] { return testscope::detail::provoke_active(); });
  m.def("provoke_resume_delay_ns", &testscope::detail::provoke_resume_delay_ns);
  m.def("now_ticks", &testscope::detail::foreign_now_ticks);
  m.def("record_resume_wait", &record_resume_wait);
  m.def("open_lane", &open_lane);
  m.def("close_lane", &close_lane);
  m.def("set_thread_name", [](std::string_view name) { testscope::set_thread_name(name); });
  m.def("register_python_metrics", &register_python_metrics);
  m.def("run_order", [](std::size_t count, std::optional<std::pair<std::size_t, std::size_t>> shard,
                        std::optional<std::uint64_t> seed) {
    std::optional<testscope::Shard> s;
    if (shard) s = testscope::Shard{shard->first, shard->second};
    return testscope::run_order(count, s, seed);
  });

  using Release = nb::call_guard<nb::gil_scoped_release>;
  nb::class_<Session>(m, "Session")
      .def(nb::init<const std::vector<std::string>&, const std::vector<std::string>&, bool>())
      .def("options", &Session::options)
      .def("is_skipped", &Session::is_skipped)
      .def("begin_program", &Session::begin_program, Release())
      .def("begin_test", &Session::begin_test, Release())
      .def("add_failure", &Session::add_failure, Release())
      .def("end_test", &Session::end_test, Release())
      .def("finish_test", &Session::finish_test, Release())
      .def("timeline", &Session::timeline, Release())
      .def("end_program", &Session::end_program, Release());
}
