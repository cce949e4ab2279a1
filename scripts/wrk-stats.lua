-- wrk script of `make bench` (audits/management/commands/bench_http.py runs it).
--
--   wrk ... -s scripts/wrk-stats.lua URL -- EXPECTED_STATUS [METHOD BODY]
--
-- Every response whose status is not EXPECTED_STATUS is counted as unexpected (wrk itself counts
-- only statuses above 399). With METHOD and BODY, each request sends BODY with every "__rating__"
-- in it replaced by a rating from 1 to 4 drawn for that request, so that each POST changes answers.
-- Headers (cookies, CSRF token, content type) come from wrk's -H options.
-- At the end one line is printed: "wrk-stats " and a JSON object (latencies in milliseconds).

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("thread_number", #threads)
end

function init(args)
   expected = tonumber(args[1]) or 200
   method = args[2]
   body = args[3]
   unexpected = 0
   math.randomseed(os.time() * 100 + thread_number)
   if not method then
      local fixed = wrk.format()
      request = function() return fixed end
   end
end

local function rating()
   return tostring(math.random(1, 4))
end

function request()
   return wrk.format(method, nil, nil, (body:gsub("__rating__", rating)))
end

function response(status, headers, body)
   if status ~= expected then
      unexpected = unexpected + 1
   end
end

function done(summary, latency, requests)
   local unexpected_total = 0
   for _, thread in ipairs(threads) do
      unexpected_total = unexpected_total + thread:get("unexpected")
   end
   local e = summary.errors
   io.write(string.format(
      'wrk-stats {"requests": %d, "seconds": %.3f, "rps": %.2f, "p50_ms": %.2f, "p95_ms": %.2f, '
         .. '"max_ms": %.2f, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
         .. '"unexpected": %d}\n',
      summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency.max / 1000,
      e.connect, e.read, e.write, e.status, e.timeout, unexpected_total
   ))
end
