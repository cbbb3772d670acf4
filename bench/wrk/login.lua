-- bench/wrk/login.lua: POST /v1/sessions for the user bench/auth.sh made.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"' .. os.getenv("BENCH_USER") .. '","password":"correct horse battery"}'
