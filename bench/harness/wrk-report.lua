-- wrk script: optional request cycling and a JSON summary on stdout.
--   WRK_METHOD, WRK_BODY, WRK_HEADERS ("Name: value|Name: value"), WRK_PATHS (a file, one path
--   per line, used in turn by each connection).
local method = os.getenv("WRK_METHOD")
local body = os.getenv("WRK_BODY")
local headers = {}
local raw = os.getenv("WRK_HEADERS")
if raw then
  for pair in string.gmatch(raw, "[^|]+") do
    local name, value = string.match(pair, "^%s*([^:]+):%s*(.*)$")
    if name then headers[name] = value end
  end
end
local paths = {}
local file = os.getenv("WRK_PATHS")
if file then
  for line in io.lines(file) do
    if #line > 0 then table.insert(paths, line) end
  end
end

local counter = 0
function setup(thread)
  thread:set("offset", counter * 7919)
  counter = counter + 1
end

local i = 0
request = function()
  local p = wrk.path
  if #paths > 0 then
    i = i + 1
    p = paths[((i + (offset or 0)) % #paths) + 1]
  end
  return wrk.format(method, p, headers, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
