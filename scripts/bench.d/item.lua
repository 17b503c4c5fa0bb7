-- GET /api/workstations/{id} with random ids 1..N (script argument, default
-- 1000). The requests are built once in init() so that wrk, which is the
-- ceiling with one thread, spends no time formatting them. The sequence is
-- seeded, so every run asks for the same ids.
local count
local requests = {}

function init(args)
  count = tonumber(args[1]) or 1000
  for id = 1, count do
    requests[id] = wrk.format("GET", "/api/workstations/" .. id)
  end
  math.randomseed(42)
end

function request()
  return requests[math.random(count)]
end
