-- bench/wrk/register.lua: POST /v1/users with a fresh username per request.
local threads = {}
function setup(thread)
	thread:set("tid", #threads + 1)
	table.insert(threads, thread)
end
local n = 0
function request()
	n = n + 1
	local body = string.format('{"username":"bench%d_%d_%d","password":"correct horse battery"}',
		tid, n, math.random(1, 1000000000))
	return wrk.format("POST", "/v1/users", {["Content-Type"] = "application/json"}, body)
end
