// run.json: one execution of a test program (docs/artifacts.md). Written at start with
// end_unix_ns and exit_status null, rewritten at the end, so a crashed run still has one.
#include "testscope/artifacts.hpp"
#include "writers/json_util.hpp"

namespace testscope {

std::string run_json(const RunInfo& run) {
  using detail::write_string;
  rapidjson::StringBuffer buffer;
  detail::JsonWriter w(buffer);
  w.StartObject();
  w.Key("schema");
  w.Int(kArtifactSchema);
  w.Key("testscope_version");
  write_string(w, version());
  w.Key("framework");
  write_string(w, run.framework);
  w.Key("argv");
  w.StartArray();
  for (const std::string& arg : run.argv) write_string(w, arg);
  w.EndArray();
  w.Key("host");
  write_string(w, run.host);
  w.Key("pid");
  w.Int64(run.pid);
  w.Key("start_unix_ns");
  w.Int64(run.start_unix_ns);
  w.Key("end_unix_ns");
  if (run.end_unix_ns != 0) {
    w.Int64(run.end_unix_ns);
  } else {
    w.Null();
  }
  w.Key("random_seed");
  w.Int64(run.random_seed);
  w.Key("chaos");  // the provocation settings (docs/provoke.md)
  if (run.provoke) {
    w.StartObject();
    w.Key("profile");
    write_string(w, provoke_profile_name(run.provoke->profile));
    w.Key("seed");
    w.Uint64(run.provoke->seed);
    w.EndObject();
  } else {
    w.Null();
  }
  w.Key("exit_status");
  if (run.exit_status >= 0) {
    w.Int(run.exit_status);
  } else {
    w.Null();
  }
  w.Key("tests");
  w.StartObject();
  w.Key("run");
  w.Int(run.tests_run);
  w.Key("failed");
  w.Int(run.tests_failed);
  w.Key("skipped");
  w.Int(run.tests_skipped);
  w.EndObject();
  w.Key("traceparent");
  if (run.parent.valid()) {
    write_string(w, run.parent.to_traceparent());
  } else {
    w.Null();
  }
  w.Key("live_export");
  if (run.live_export) {
    const LiveExportSummary& live = *run.live_export;
    w.StartObject();
    w.Key("url");
    write_string(w, live.url);
    w.Key("traces");
    w.Int64(live.traces);
    w.Key("sent");
    w.Int64(live.sent);
    w.Key("rejected");
    w.Int64(live.rejected);
    w.Key("failed");
    w.Int64(live.failed);
    w.Key("dropped");
    w.Int64(live.dropped);
    w.Key("last_error");
    if (live.last_error.empty()) {
      w.Null();
    } else {
      write_string(w, live.last_error);
    }
    w.EndObject();
  } else {
    w.Null();
  }
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace testscope
