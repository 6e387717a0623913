-- wrk script: spreads GETs over the index files listed in a file, one "path etag" per line.
--   wrk ... -s spread.lua URL -- LIST [revalidate] [TOKEN]
-- revalidate: send each file's ETag in If-None-Match (the server should answer 304).
-- TOKEN: sent as the Authorization header (an --auth-required registry).
local paths, etags = {}, {}
local revalidate, token = false, nil
local i = 0

function init(args)
  for line in io.lines(args[1]) do
    local path, etag = line:match("^(%S+)%s*(.*)$")
    if path then
      paths[#paths + 1] = path
      etags[#etags + 1] = etag
    end
  end
  revalidate = args[2] == "revalidate"
  if args[3] and args[3] ~= "" then token = args[3] end
  i = math.random(#paths) -- threads start at different files
end

function request()
  i = i % #paths + 1
  local headers = {}
  if token then headers["Authorization"] = token end
  if revalidate then headers["If-None-Match"] = etags[i] end
  return wrk.format("GET", paths[i], headers)
end
