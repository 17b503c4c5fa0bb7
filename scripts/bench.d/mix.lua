-- 95 % GET /api/workstations/{id}, 5 % PATCH of its description, random ids
-- 1..N. Script arguments: N (default 1000), PATCH percentage (default 5).
-- The GETs are prebuilt; each PATCH carries a new description so that it is
-- a real change that invalidates the cached item.
local count
local patch_percent
local gets = {}
local patch_headers = {}
local patches = 0

function init(args)
  count = tonumber(args[1]) or 1000
  patch_percent = tonumber(args[2]) or 5
  for id = 1, count do
    gets[id] = wrk.format("GET", "/api/workstations/" .. id)
  end
  -- wrk.format uses either wrk.headers or the table it is given, not both.
  for name, value in pairs(wrk.headers) do
    patch_headers[name] = value
  end
  patch_headers["Content-Type"] = "application/json"
  math.randomseed(42)
end

function request()
  local id = math.random(count)
  if math.random(100) <= patch_percent then
    patches = patches + 1
    return wrk.format("PATCH", "/api/workstations/" .. id, patch_headers,
                      string.format('{"description":"bench %d"}', patches))
  end
  return gets[id]
end
