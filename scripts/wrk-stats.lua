-- wrk script of `make bench` (devtools/management/commands/bench_http.py runs it).
--
--   wrk -tN -cN ... -s scripts/wrk-stats.lua URL -- PLAN_FILE NONCE
--
-- PLAN_FILE is Lua that returns a list of connection plans; wrk thread k (one connection per
-- thread: -t equal to -c) follows plan k, or plan 1 when there is only one. A plan:
--   method, path, headers   what to send (headers: cookies, CSRF token, content type…)
--   bodies                  POST bodies, sent in turn: the next one after each good response
--   version                 number put for "__version__" in the body, one more after each good
--                           response (each good save makes a new audit version)
--   expect                  the status a good response has (any other is counted, by status)
--   location, contains      a good response also redirects there / has this text in its body
-- In a body, every "__rating__" becomes a rating from 1 to 4 drawn for that request and every
-- "__n__" a text no other request of the run has, so that such a POST always changes answers.
-- At the end one line is printed: "wrk-stats " and a JSON object (latencies in milliseconds).

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("thread_number", #threads)
end

function init(args)
   local plans = dofile(args[1])
   nonce = args[2] or "0"
   plan = plans[(thread_number - 1) % #plans + 1]
   turn, version, sent = 1, plan.version, 0
   bad, bad_statuses, wrong = 0, {}, 0
   math.randomseed(os.time() * 100 + thread_number)
   if not plan.bodies then
      local fixed = wrk.format(plan.method, plan.path, plan.headers)
      request = function() return fixed end
   end
end

local function rating()
   return tostring(math.random(1, 4))
end

function request()
   sent = sent + 1
   local body = plan.bodies[turn]:gsub("__rating__", rating)
   body = body:gsub("__n__", nonce .. "." .. thread_number .. "." .. sent)
   if version then
      body = body:gsub("__version__", tostring(version))
   end
   return wrk.format(plan.method, plan.path, plan.headers, body)
end

function response(status, headers, body)
   local good = status == plan.expect
      and (not plan.location or headers["Location"] == plan.location)
      and (not plan.contains or (body and body:find(plan.contains, 1, true)))
   if good then
      if plan.bodies then
         turn = turn % #plan.bodies + 1
      end
      if version then
         version = version + 1
      end
   elseif status ~= plan.expect then
      bad = bad + 1
      bad_statuses[status] = (bad_statuses[status] or 0) + 1
   else
      wrong = wrong + 1 -- the right status, but not the right place or body
   end
end

function done(summary, latency, requests)
   local unexpected, wrong_total, statuses = 0, 0, {}
   for _, thread in ipairs(threads) do
      unexpected = unexpected + thread:get("bad")
      wrong_total = wrong_total + thread:get("wrong")
      for status, n in pairs(thread:get("bad_statuses")) do
         statuses[status] = (statuses[status] or 0) + n
      end
   end
   local parts = {}
   for status, n in pairs(statuses) do
      table.insert(parts, string.format('"%d": %d', status, n))
   end
   local e = summary.errors
   io.write(string.format(
      'wrk-stats {"requests": %d, "seconds": %.3f, "rps": %.2f, "p50_ms": %.2f, "p95_ms": %.2f, '
         .. '"max_ms": %.2f, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
         .. '"unexpected": %d, "statuses": {%s}, "wrong": %d}\n',
      summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency.max / 1000,
      e.connect, e.read, e.write, e.status, e.timeout, unexpected, table.concat(parts, ", "), wrong_total
   ))
end
