# A logger per request id: logging.getLogger never forgets a name (the manager keeps every logger), a
# leak real services have had. ~400 requests a second, each a new logger with a handler-less config.
import logging, time, sys, uuid
logging.basicConfig(level=logging.WARNING)
end = time.time() + float(sys.argv[1]); n = 0
while time.time() < end:
    log = logging.getLogger(f"request.{uuid.uuid4().hex}")
    log.setLevel(logging.INFO)
    log.debug("handled %d", n)
    n += 1
    if n % 40 == 0: time.sleep(0.1)
print("requests", n, "loggers", len(logging.Logger.manager.loggerDict))
