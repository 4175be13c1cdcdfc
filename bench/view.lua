-- wrk script for the view endpoint: POST a report with a new visitor id every time, as a crowd of
-- distinct readers would, so every request is counted (none is a repeat within 30 minutes).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

local threads = 0

function setup(thread)
   threads = threads + 1
   thread:set("thread_number", threads)
end

function init(args)
   math.randomseed(os.time() * 1000 + thread_number)
end

function request()
   local visitor = string.format("%08x%08x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
   return wrk.format(nil, nil, nil, "visitor=" .. visitor)
end
