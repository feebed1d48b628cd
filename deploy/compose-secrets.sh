#!/bin/sh
# Writes the secrets docker-compose.yml mounts, fresh and random, for trying the hub in containers:
#
#   deploy/compose-secrets.sh [folder]     # default: $HUB_SECRETS_DIR, else ./secrets
#
# A file that exists is kept, so running it again changes nothing. For a council's deployment
# put the council's own files there instead: the KEK and the audit signing key above all, kept
# (escrowed) apart from every backup as README.md's "Backup and restore" says.
set -eu

dir=${1:-${HUB_SECRETS_DIR:-./secrets}}
umask 077
mkdir -p "$dir"
chmod 700 "$dir"

# Base64 of $1 random bytes, on one line.
random_base64() { head -c "$1" /dev/urandom | base64 | tr -d '\n'; }

write() {
    if [ -e "$dir/$1" ]; then
        echo "kept    $dir/$1"
    else
        cat > "$dir/$1"
        echo "written $dir/$1"
    fi
}

# Letters and digits only, so it needs no quoting anywhere it is typed.
random_base64 32 | tr -dc 'A-Za-z0-9' | write neo4j_password
# Neo4j's image reads user/password (NEO4J_AUTH_FILE); made from the hub's, so the two agree.
printf 'neo4j/%s' "$(cat "$dir/neo4j_password")" | write neo4j_auth
# The key-encryption key: base64 of 32 bytes (HUB_KEK_FILE).
random_base64 32 | write kek
# The audit checkpoints' Ed25519 signing key (HUB_AUDIT_SIGNING_KEY_FILE).
if [ ! -e "$dir/audit_signing_key.pem" ]; then
    command -v openssl > /dev/null || { echo "openssl is needed to make the audit signing key" >&2; exit 1; }
fi
[ -e "$dir/audit_signing_key.pem" ] || openssl genpkey -algorithm ed25519 2> /dev/null | write audit_signing_key.pem
# The bearer token Prometheus sends to read /metrics (HUB_METRICS_TOKEN_FILE).
random_base64 32 | tr -dc 'A-Za-z0-9' | write metrics_token
# The key sealing the pages' session cookies: a Fernet key, URL-safe base64 of 32 bytes.
random_base64 32 | tr '+/' '-_' | write web_session_key

# Compose bind-mounts each file with its mode on this host, and the hub runs as uid 10001 and
# Neo4j as 7474: the files are readable, and the folder (0700) keeps everyone else out.
chmod 644 "$dir"/*
