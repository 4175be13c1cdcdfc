-- wrk script for the view endpoint: POST a report with a signed visitor id not used before, as a
-- crowd of distinct readers would, so every request is counted (none is a repeat within 30
-- minutes). Arguments: the file of signed ids (run.py writes it) and the number of threads.
-- The requests are written once, in init(): a request() that formats each one costs wrk more CPU
-- than the server's answer, on the cores they share (the floor's wrk runs no script at all).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

local threads = 0

function setup(thread)
   threads = threads + 1
   thread:set("thread_number", threads)
end

function init(args)
   local all = {}
   for line in io.lines(args[1]) do
      all[#all + 1] = line
   end
   -- each thread its own slice, so no two threads send the same reader
   local share = math.floor(#all / tonumber(args[2]))
   requests = {}
   for i = 1, share do
      requests[i] = wrk.format(nil, nil, nil, "visitor=" .. all[(thread_number - 1) * share + i])
   end
   position = 0
end

function request()
   position = position % #requests + 1
   return requests[position]
end
