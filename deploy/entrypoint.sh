#!/bin/sh
# Entry point of every Qadam image (deploy/Dockerfile). SERVICE is set in the image.
#   web      gunicorn serving "$SERVICE.app:create_app()" on 0.0.0.0:8000 (the default), and /metrics on the internal
#            port QADAM_WEB_METRICS_PORT (9100 in the image: qadam.gunicorn_conf binds it); the portal with 4 threads
#            per worker (QADAM_WEB_THREADS): its pages wait on the services, which may ask it for its keys meanwhile
#   worker   python -m "$SERVICE.worker": consumers and the outbox relay (the portal's: the relay only)
#   migrate  qadam migrate "$SERVICE": create the service's database if missing, then Alembic upgrade
# Anything else is run as given (e.g. `qadam keys`, `qadam replay risk`).
#
# Keys: production mounts them (deploy/k8s): the JWT public key at QADAM_JWT_PUBLIC_KEY_FILE (the APIs
# verify tokens with it, or with the portal's JWKS when QADAM_JWKS_URL is set), the sealing keys at
# QADAM_SEALING_KEY_FILE (sessions, risk, notify, portal) and, for the portal alone, the JWT private key
# at QADAM_JWT_PRIVATE_KEY_FILE. Only when one of them is missing and QADAM_DEV_KEYS=1 does web/worker
# create development keys with `qadam keys`.
set -eu

: "${SERVICE:?SERVICE is not set (build the image with --build-arg SERVICE=...)}"

dev_keys() {
    public="${QADAM_JWT_PUBLIC_KEY_FILE:-var/keys/jwt-public.pem}"
    sealing="${QADAM_SEALING_KEY_FILE:-var/keys/sealing-keys.txt}"
    private="${QADAM_JWT_PRIVATE_KEY_FILE:-var/keys/jwt-private.pem}"
    missing=""
    [ -f "$public" ] || missing="$missing $public"
    [ -f "$sealing" ] || missing="$missing $sealing"
    if [ "$SERVICE" = portal ]; then   # only the portal signs
        [ -f "$private" ] || missing="$missing $private"
    fi
    if [ -n "$missing" ] && [ "${QADAM_DEV_KEYS:-0}" = "1" ]; then
        echo "QADAM_DEV_KEYS=1 and no key at$missing: creating development keys" >&2
        qadam keys
    fi
}

mode="${1:-web}"
case "$mode" in
    web)
        shift || true
        dev_keys
        # gunicorn's workers share /metrics through this directory; stale files from an earlier run go.
        metrics="${PROMETHEUS_MULTIPROC_DIR:-/tmp/metrics}"
        export PROMETHEUS_MULTIPROC_DIR="$metrics"
        mkdir -p "$metrics"
        rm -f "$metrics"/*.db
        # logs, their format, no control socket and the threads (the service's QADAM_WEB_THREADS: 4 for the
        # portal, 1 for the others by default): qadam/gunicorn_conf.py, as in `make run` and the tests
        exec gunicorn \
            -c python:qadam.gunicorn_conf \
            --workers "${WEB_CONCURRENCY:-2}" \
            --bind "0.0.0.0:${PORT:-8000}" \
            --worker-tmp-dir /dev/shm \
            "$@" \
            "${SERVICE}.app:create_app()"
        ;;
    worker)
        shift || true
        dev_keys
        # The worker is one process; a multiprocess metrics directory is for gunicorn only.
        unset PROMETHEUS_MULTIPROC_DIR
        exec python -m "${SERVICE}.worker" "$@"
        ;;
    migrate)
        shift || true
        exec qadam migrate "$SERVICE"
        ;;
    *)
        exec "$@"
        ;;
esac
