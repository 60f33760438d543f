-- wrk script for SkillInference's benchmark suite (SkillInference.Benchmarks --http):
--   wrk -t2 -c16 -d20s --latency -s tools/bench/wrk_bodies.lua http://127.0.0.1:PORT/api/v1/skills/infer -- BODIES [IDS]
-- POSTs the JSON documents of the file BODIES (one per line) in turn, each thread from its own offset, so requests
-- carry distinct feature vectors rather than one body repeated; and prints one line "WRK_JSON {...}" with the
-- request count, errors and latency percentiles (microseconds) for the suite to read.
-- IDS adds a "studentId" to each body (objects that do not have one):
--   distinct  a new student id on every request (each student scored once: nothing can be a cache hit)
--   repeat    the same id for the same body (body i is always student "r<i>": after one pass, every request a hit)

local threads = {}
local bodies = {}
local counter = 0
local distinct = false
local nonce = ""

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  if args[1] == nil then
    error("usage: ... -s wrk_bodies.lua URL -- BODIES_FILE [none|distinct|repeat]")
  end
  local ids = args[2] or "none"
  if ids ~= "none" and ids ~= "distinct" and ids ~= "repeat" then
    error("IDS must be none, distinct or repeat, not " .. ids)
  end
  for line in io.lines(args[1]) do
    if #line > 0 then
      if ids == "repeat" then
        line = '{"studentId":"r' .. (#bodies + 1) .. '",' .. line:sub(2)
      end
      bodies[#bodies + 1] = line
    end
  end
  distinct = ids == "distinct"
  -- Distinct across threads (the thread's id) and across runs (the time and a random number).
  math.randomseed(os.time() + (id or 0))
  nonce = string.format("d%x-%x-%d-", os.time(), math.random(0, 0x7fffffff), id or 0)
  counter = (id or 0) * 7919
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local body = bodies[(counter % #bodies) + 1]
  if distinct then
    body = '{"studentId":"' .. nonce .. counter .. '",' .. body:sub(2)
  end
  return wrk.format(nil, nil, nil, body)
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
