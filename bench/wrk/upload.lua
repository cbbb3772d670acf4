-- bench/wrk/upload.lua: POST /v1/templates with the JPEG in $BENCH_IMAGE.
local f = assert(io.open(os.getenv("BENCH_IMAGE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*all")
f:close()
wrk.headers["Content-Type"] = "image/jpeg"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
