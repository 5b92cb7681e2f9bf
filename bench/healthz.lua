-- wrk script: GET /healthz (the framework's floor), reported as report.lua prints it.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

function init(args)
  statuses = {}
end
