#!/usr/bin/env bash
# npm run services: PostgreSQL, Redis and RabbitMQ on loopback, as the tests expect them
# (docs/development.md), on Debian or Ubuntu.
#
#   scripts/services.sh          installs what is missing from the distribution's packages,
#                                starts what is stopped, and waits until each one answers.
#                                Idempotent: with everything up it changes nothing. Without
#                                root it changes nothing and prints the commands to run.
#   scripts/services.sh --check  changes nothing: exits 0 when all three answer; otherwise
#                                prints what is wrong and the commands, and exits 1.
#
# The tests connect to postgres://postgres@127.0.0.1:5432 (no password),
# redis://127.0.0.1:6379 and amqp://guest:guest@127.0.0.1:5672.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_PORT=5432
REDIS_PORT=6379
AMQP_PORT=5672

check_only=false
case "${1:-}" in
  --check) check_only=true ;;
  '') ;;
  *)
    echo "usage: $0 [--check]" >&2
    exit 2
    ;;
esac

# --- probes: TCP and the protocol's own greeting, a couple of seconds at most each -----------
pg_up() {
  if command -v pg_isready >/dev/null; then
    timeout 3 pg_isready -q -h 127.0.0.1 -p "$PG_PORT" -t 2 2>/dev/null
  else
    # shellcheck disable=SC2016 # $1 belongs to the inner shell
    timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$PG_PORT" 2>/dev/null
  fi
}
# The tests' own login: user postgres over TCP, no password.
pg_login() { command -v psql >/dev/null && timeout 3 psql -w -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; }
redis_up() {
  # shellcheck disable=SC2016 # $1 belongs to the inner shell
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"; printf "PING\r\n" >&3; read -r line <&3; [[ $line == +PONG* ]]' _ "$REDIS_PORT" 2>/dev/null
}
# RabbitMQ answers the AMQP 0-9-1 protocol header with a Connection.Start method frame (type 1).
amqp_up() {
  # shellcheck disable=SC2016 # $1 belongs to the inner shell
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"; printf "AMQP\x00\x00\x09\x01" >&3; IFS= read -r -N 1 byte <&3; [[ $byte == $'\''\x01'\'' ]]' _ "$AMQP_PORT" 2>/dev/null
}
installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = 'install ok installed' ]; }
# A PostgreSQL server of any version, and a cluster of it (the package creates `main`).
pg_installed() { compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null && [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; }

# --- the plan: what is wrong, and one shell command per step (printed, or run as root) -------
root=false
[ "$(id -u)" = 0 ] && root=true
sudo=''
$root || sudo='sudo '
# The newest PostgreSQL cluster version, evaluated when the step runs (after the install).
# shellcheck disable=SC2016 # expanded when the step runs
PG_VERSION='"$(ls /etc/postgresql | sort -V | tail -n 1)"'

packages=()
problems=()
steps=()

if pg_up; then
  if ! pg_login; then
    if command -v psql >/dev/null; then
      problems+=("PostgreSQL answers on 127.0.0.1:$PG_PORT but refuses user postgres without a password")
      steps+=("${sudo}sed -i -e '1i host all postgres 127.0.0.1/32 trust' -e '1i host all postgres ::1/128 trust' /etc/postgresql/$PG_VERSION/main/pg_hba.conf")
      steps+=("${sudo}pg_ctlcluster --skip-systemctl-redirect $PG_VERSION main reload")
    else
      problems+=('the PostgreSQL client (psql, pg_isready) is not installed')
      packages+=(postgresql-client)
    fi
  fi
else
  if pg_installed; then
    problems+=("PostgreSQL is installed but does not answer on 127.0.0.1:$PG_PORT")
  else
    problems+=('PostgreSQL is not installed')
    packages+=(postgresql)
    # The tests log in as postgres from loopback without a password (the package asks for one).
    steps+=("${sudo}sed -i -e '1i host all postgres 127.0.0.1/32 trust' -e '1i host all postgres ::1/128 trust' /etc/postgresql/$PG_VERSION/main/pg_hba.conf")
  fi
  steps+=("${sudo}pg_ctlcluster --skip-systemctl-redirect $PG_VERSION main start")
  # The package may have started it before pg_hba.conf changed.
  pg_installed || steps+=("${sudo}pg_ctlcluster --skip-systemctl-redirect $PG_VERSION main reload")
fi

if ! redis_up; then
  if installed redis-server; then
    problems+=("Redis is installed but does not answer on 127.0.0.1:$REDIS_PORT")
  else
    problems+=('Redis is not installed')
    packages+=(redis-server)
  fi
  # As .ci/run and the fault tests start it: loopback only, nothing kept on disk.
  steps+=("${sudo}mkdir -p /var/lib/redis /var/log/redis")
  steps+=("${sudo}redis-server --daemonize yes --bind 127.0.0.1 -::1 --port $REDIS_PORT --save '' --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log")
fi

rabbit_install=()
if ! amqp_up; then
  if installed rabbitmq-server; then
    problems+=("RabbitMQ is installed but does not answer on 127.0.0.1:$AMQP_PORT")
  else
    problems+=('RabbitMQ is not installed')
    packages+=(rabbitmq-server)
    # Written before the package starts the broker: loopback only, a node name that does not
    # depend on the host name. (The package's default listens on every interface.)
    rabbit_install+=("${sudo}mkdir -p /etc/rabbitmq")
    rabbit_install+=("printf 'listeners.tcp.local = 127.0.0.1:$AMQP_PORT\\n' | ${sudo}tee /etc/rabbitmq/rabbitmq.conf")
    rabbit_install+=("printf 'NODENAME=rabbit@localhost\\nERL_EPMD_ADDRESS=127.0.0.1\\n' | ${sudo}tee /etc/rabbitmq/rabbitmq-env.conf")
  fi
  steps+=("${sudo}rabbitmq-server -detached")
fi

commands=("${rabbit_install[@]+"${rabbit_install[@]}"}")
if [ "${#packages[@]}" -gt 0 ]; then
  commands+=("${sudo}apt-get update")
  commands+=("${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y ${packages[*]}")
fi
commands+=("${steps[@]+"${steps[@]}"}")

if [ "${#problems[@]}" -eq 0 ]; then
  echo "services: PostgreSQL (127.0.0.1:$PG_PORT), Redis (127.0.0.1:$REDIS_PORT) and RabbitMQ (127.0.0.1:$AMQP_PORT) answer"
  exit 0
fi

explain() {
  echo "The tests need PostgreSQL, Redis and RabbitMQ on loopback. On this machine:"
  for p in "${problems[@]}"; do echo "  - $p"; done
  echo "Run \`npm run services\` as root, which does it for you, or these commands:"
  for c in "${commands[@]}"; do echo "  $c"; done
}

if $check_only || ! $root; then
  explain >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  explain >&2
  echo "This machine has no apt-get: install the packages above with its own package manager." >&2
  exit 1
fi

# --- as root: run the plan, then wait until every service answers ------------------------------
for p in "${problems[@]}"; do echo "services: $p"; done
for c in "${commands[@]}"; do
  echo "+ $c"
  # A start step may find the service already started by its package's installation.
  bash -c "$c" || echo "services: (continuing) $c failed"
done

wait_for() { # name, probe
  local name=$1
  shift
  for _ in $(seq 1 60); do
    if "$@"; then
      echo "services: $name answers"
      return 0
    fi
    sleep 1
  done
  echo "services: ERROR: $name does not answer" >&2
  return 1
}
status=0
wait_for "PostgreSQL (127.0.0.1:$PG_PORT)" pg_up || status=1
wait_for "PostgreSQL login as postgres" pg_login || status=1
wait_for "Redis (127.0.0.1:$REDIS_PORT)" redis_up || status=1
wait_for "RabbitMQ (127.0.0.1:$AMQP_PORT)" amqp_up || status=1
exit "$status"
