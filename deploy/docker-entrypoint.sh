#!/bin/sh
# The container's entry point: `run` (the default) migrates the database, then becomes
# the bot. `exec` replaces this shell, so the bot is PID 1 and receives docker stop's
# SIGTERM itself (a shell in between would swallow it, and the drain would be cut by
# SIGKILL). Any other arguments are a nhacviec command:
#   docker compose run --rm bot invite --unit so-tai-chinh
set -eu

if [ "$#" -gt 0 ] && [ "$1" = "nhacviec" ]; then
    shift  # `docker compose run --rm bot nhacviec units list` works too
fi
if [ "$#" -eq 0 ]; then
    set -- run
fi
if [ "$1" = "run" ]; then
    nhacviec db upgrade
fi
exec nhacviec "$@"
