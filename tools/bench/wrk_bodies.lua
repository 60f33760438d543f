-- wrk script for SkillInference's benchmark suite (SkillInference.Benchmarks --http):
--   wrk -t2 -c16 -d20s --latency -s tools/bench/wrk_bodies.lua http://127.0.0.1:PORT/api/v1/skills/infer -- BODIES
-- POSTs the JSON documents of the file BODIES (one per line) in turn, each thread from its own offset, so requests
-- carry distinct feature vectors rather than one body repeated; and prints one line "WRK_JSON {...}" with the
-- request count, errors and latency percentiles (microseconds) for the suite to read.

local threads = {}
local bodies = {}
local counter = 0

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  if args[1] == nil then
    error("usage: ... -s wrk_bodies.lua URL -- BODIES_FILE")
  end
  for line in io.lines(args[1]) do
    if #line > 0 then
      bodies[#bodies + 1] = line
    end
  end
  counter = (id or 0) * 7919
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  return wrk.format(nil, nil, nil, bodies[(counter % #bodies) + 1])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end
