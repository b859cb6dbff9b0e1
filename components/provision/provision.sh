# The body of the provisioning script. render.py puts the machine's settings
# (MACHINE_*, ENGINE_*, *_TIMEOUT variables and the daemon_json, systemd_dropin
# and launcher functions) in front of it. Runs as root, under any POSIX sh.
# Standard input: the CA certificate, the server certificate and the server key
# as three PEM blocks, in that order, then (optional) the engine's environment
# (--engine-env, secrets: proxy passwords) between the lines
# -----BEGIN DOCKER-MACHINE ENGINE ENV----- and -----END DOCKER-MACHINE ENGINE ENV-----
# as NAME="value" lines, which go to $ENGINE_ENV (0600) and nowhere else.

# pulumi-command passes the output on as text: bytes that are not UTF-8 (a translation in a legacy
# locale, a binary log line) would fail the step after the work was done. Messages in plain ASCII.
export LC_ALL=C

DOCKER_DIR=/etc/docker
DAEMON_LOG=/var/log/docker.log
DAEMON_PIDFILE=/var/run/docker.pid
LAUNCHER=$DOCKER_DIR/docker-machine-dockerd.sh
ENGINE_ENV=$DOCKER_DIR/docker-machine.env
DROPIN=/etc/systemd/system/docker.service.d/10-machine.conf
DEFAULT_INSTALL_URL=https://get.docker.com
CHANGED=no
ENGINE_PID=

say() {
    printf '%s\n' "$*"
}

fail() {
    printf 'Error: %s\n' "$*" >&2
    exit 1
}

have() {
    command -v "$1" >/dev/null 2>&1
}

uses_systemd() {
    [ -d /run/systemd/system ] && have systemctl
}

# Standard input holds secrets: keep it in a shell variable (printf is a shell
# builtin, so it never shows in a process listing) until it is written out.
read_certificate_bundle() {
    CERT_BUNDLE=$(cat)
    [ -n "$CERT_BUNDLE" ] || fail "no certificates on standard input: send the CA certificate, server certificate and server key"
}

wait_for_cloud_init() {
    have cloud-init || return 0
    say "Waiting for cloud-init to finish..."
    if have timeout; then
        timeout "$CLOUD_INIT_TIMEOUT" cloud-init status --wait >/dev/null 2>&1 && return 0
    else
        cloud-init status --wait >/dev/null 2>&1 && return 0
    fi
    say "Warning: cloud-init did not report success within ${CLOUD_INIT_TIMEOUT}s; carrying on"
}

# Sets OS_ID, OS_NAME and OS_FAMILY (debian, rhel, fedora, amzn, or empty when unknown).
detect_os() {
    [ -r "$1" ] || fail "Error detecting OS: $1 is missing, so the OS type can't be recognized"
    # shellcheck source=/dev/null
    OS_ID=$(. "$1" && printf '%s' "${ID:-}")
    # shellcheck source=/dev/null
    OS_LIKE=$(. "$1" && printf '%s' "${ID_LIKE:-}")
    # shellcheck source=/dev/null
    OS_NAME=$(. "$1" && printf '%s' "${PRETTY_NAME:-${NAME:-$OS_ID}}")
    case "$OS_ID" in
        ubuntu | debian | raspbian) OS_FAMILY=debian ;;
        centos | rhel | rocky | almalinux | ol) OS_FAMILY=rhel ;;
        fedora) OS_FAMILY=fedora ;;
        amzn) OS_FAMILY=amzn ;;
        *)
            case " $OS_LIKE " in
                *" debian "* | *" ubuntu "*) OS_FAMILY=debian ;;
                *" rhel "* | *" centos "*) OS_FAMILY=rhel ;;
                *" fedora "*) OS_FAMILY=fedora ;;
                *) OS_FAMILY= ;;
            esac
            ;;
    esac
}

require_known_os() {
    [ -n "$OS_FAMILY" ] || fail "Error detecting OS: OS type not recognized (ID=${OS_ID:-none}): supported are Ubuntu, Debian, CentOS, RHEL, Rocky, AlmaLinux, Fedora and Amazon Linux; on another OS install Docker yourself and use --engine-install-url none"
}

pkg_install() {
    require_known_os
    say "Installing $* with the package manager..."
    case "$OS_FAMILY" in
        debian)
            DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a apt-get -q -o DPkg::Lock::Timeout=300 update
            DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a apt-get -q -y -o DPkg::Lock::Timeout=300 install "$@"
            ;;
        *)
            if have dnf; then dnf -q -y install "$@"; else yum -q -y install "$@"; fi
            ;;
    esac
}

have_engine() {
    have dockerd
}

download() {
    if ! have curl && ! have wget; then
        pkg_install curl
    fi
    if have curl; then
        curl -fsSL --retry 3 -o "$2" "$1"
    else
        wget -q -O "$2" "$1"
    fi
}

# The distributions get.docker.com refuses: their package (or Docker's RPM repository) instead.
prefers_package() {
    case "$OS_ID" in
        amzn | rocky | almalinux | ol) return 0 ;;
    esac
    return 1
}

install_engine_package() {
    require_known_os
    case "$OS_FAMILY" in
        debian) pkg_install docker.io ;;
        fedora) pkg_install moby-engine ;;
        amzn) pkg_install docker ;;
        rhel)
            # RHEL and its rebuilds ship no Docker package: use Docker's own repository.
            repo=https://download.docker.com/linux/centos/docker-ce.repo
            [ "$OS_ID" = rhel ] && repo=https://download.docker.com/linux/rhel/docker-ce.repo
            if have dnf; then
                pkg_install dnf-plugins-core
                dnf config-manager --add-repo "$repo"
            else
                pkg_install yum-utils
                yum-config-manager --add-repo "$repo"
            fi
            pkg_install docker-ce docker-ce-cli containerd.io
            ;;
    esac
}

install_engine_script() {
    say "Installing Docker from $ENGINE_INSTALL_URL..."
    installer=$(mktemp)
    download "$ENGINE_INSTALL_URL" "$installer" || {
        rm -f "$installer"
        fail "could not download the Docker installer from $ENGINE_INSTALL_URL: check the URL, or use --engine-install-url distro"
    }
    sh "$installer" </dev/null || {
        rm -f "$installer"
        fail "the Docker installer from $ENGINE_INSTALL_URL failed (see its output above): try --engine-install-url distro"
    }
    rm -f "$installer"
}

install_engine() {
    if have_engine; then
        if [ "$ENGINE_REINSTALL" != yes ]; then
            say "Docker is already installed ($(dockerd --version 2>/dev/null || printf 'dockerd')); not reinstalling"
            return 0
        fi
        [ "$ENGINE_INSTALL_URL" != none ] || fail "cannot upgrade Docker with --engine-install-url none: give an install URL, or distro"
        say "Upgrading Docker..."
    fi
    case "$ENGINE_INSTALL_URL" in
        none) fail "Docker is not installed on this host and --engine-install-url is none: install Docker first, or give an install URL" ;;
        distro) install_engine_package ;;
        *)
            if [ "$ENGINE_INSTALL_URL" = "$DEFAULT_INSTALL_URL" ] && prefers_package; then
                say "$DEFAULT_INSTALL_URL does not support $OS_NAME; installing its Docker package instead"
                install_engine_package
            else
                install_engine_script
            fi
            ;;
    esac
    have_engine || fail "the Docker installation finished but dockerd is still missing: check the installer's output above"
}

set_hostname() {
    [ -n "$MACHINE_HOSTNAME" ] || return 0
    [ "$(hostname)" = "$MACHINE_HOSTNAME" ] && [ "$(cat /etc/hostname 2>/dev/null)" = "$MACHINE_HOSTNAME" ] && return 0
    say "Setting the hostname to $MACHINE_HOSTNAME..."
    if uses_systemd && have hostnamectl; then
        hostnamectl set-hostname "$MACHINE_HOSTNAME"
    else
        hostname "$MACHINE_HOSTNAME"
        printf '%s\n' "$MACHINE_HOSTNAME" >/etc/hostname
    fi
    if grep -q '^127\.0\.1\.1[[:space:]]' /etc/hosts 2>/dev/null; then
        sed -i "s/^127\.0\.1\.1[[:space:]].*/127.0.1.1 $MACHINE_HOSTNAME/" /etc/hosts
    else
        printf '127.0.1.1 %s\n' "$MACHINE_HOSTNAME" >>/etc/hosts
    fi
}

add_user_to_docker_group() {
    [ "$MACHINE_SSH_USER" != root ] || return 0
    getent group docker >/dev/null 2>&1 || return 0
    case " $(id -nG "$MACHINE_SSH_USER" 2>/dev/null) " in
        *" docker "*) ;;
        *) usermod -aG docker "$MACHINE_SSH_USER" ;;
    esac
}

file_sum() {
    cksum <"$1" | cut -d ' ' -f 1,2
}

# replace_if_changed MODE NEW DEST: move NEW over DEST unless they are equal; note a change.
replace_if_changed() {
    chmod "$1" "$2"
    if [ -f "$3" ] && [ "$(file_sum "$2")" = "$(file_sum "$3")" ]; then
        rm -f "$2"
        chmod "$1" "$3"
    else
        mv -f "$2" "$3"
        CHANGED=yes
    fi
}

# install_generated MODE DEST FUNCTION: DEST gets FUNCTION's output, with dockerd's path put in
# where a command line starts with @DOCKERD@ (only there: a label or option may hold that text).
# (Not a pipeline into replace_if_changed: that would run it in a subshell and lose CHANGED.)
install_generated() {
    mkdir -p "$(dirname "$2")"
    new="$(dirname "$2")/.$(basename "$2").new"
    dockerd=$(command -v dockerd)
    "$3" | sed -e "s#^ExecStart=@DOCKERD@ #ExecStart=$dockerd #" -e "s#^exec @DOCKERD@ #exec $dockerd #" >"$new"
    replace_if_changed "$1" "$new" "$2"
}

# The certificates, the server key and the engine's environment from standard input. The environment's
# lines are written as they came (render.py quoted them for sh and systemd alike), after a check that each
# is NAME="..." and nothing else: no line of it is ever run here.
install_certificates() {
    say "Copying certs to the remote machine..."
    mkdir -p "$DOCKER_DIR"
    old_umask=$(umask)
    umask 077
    : >"$DOCKER_DIR/.docker-machine.env.new"
    printf '%s\n' "$CERT_BUNDLE" | awk -v dir="$DOCKER_DIR" '
        BEGIN { n = 0; split("ca.pem server.pem server-key.pem", names, " "); bad = 0; env = 0 }
        env == 1 && $0 == "-----END DOCKER-MACHINE ENGINE ENV-----" { env = 2; next }
        env == 1 {
            if ($0 !~ /^[A-Za-z_][A-Za-z0-9_]*="([^"\\`$]|\\["\\`$])*"$/) { bad = 1; exit }
            print > (dir "/.docker-machine.env.new")
            next
        }
        $0 == "-----BEGIN DOCKER-MACHINE ENGINE ENV-----" {
            if (n != 3 || file != "" || env != 0) { bad = 1; exit }
            env = 1
            next
        }
        env == 2 && $0 != "" { bad = 1; exit }
        /^-----BEGIN / {
            n++
            if (n > 3) { bad = 1; exit }
            if (n < 3 && $0 != "-----BEGIN CERTIFICATE-----") { bad = 1; exit }
            if (n == 3 && $0 !~ /PRIVATE KEY-----$/) { bad = 1; exit }
            file = dir "/." names[n] ".new"
        }
        n >= 1 && file != "" { print > file }
        /^-----END / { close(file); file = "" }
        END { exit (bad || n != 3 || env == 1) ? 3 : 0 }
    ' || {
        rm -f "$DOCKER_DIR/.ca.pem.new" "$DOCKER_DIR/.server.pem.new" "$DOCKER_DIR/.server-key.pem.new" \
            "$DOCKER_DIR/.docker-machine.env.new"
        fail "standard input must hold the CA certificate, the server certificate and the server key, as three PEM blocks in that order, then the engine's environment"
    }
    umask "$old_umask"
    replace_if_changed 0644 "$DOCKER_DIR/.ca.pem.new" "$DOCKER_DIR/ca.pem"
    replace_if_changed 0644 "$DOCKER_DIR/.server.pem.new" "$DOCKER_DIR/server.pem"
    replace_if_changed 0600 "$DOCKER_DIR/.server-key.pem.new" "$DOCKER_DIR/server-key.pem"
    replace_if_changed 0600 "$DOCKER_DIR/.docker-machine.env.new" "$ENGINE_ENV"
}

configure_engine() {
    say "Setting Docker configuration on the remote daemon..."
    if [ -f "$DOCKER_DIR/daemon.json" ] && [ ! -f "$DOCKER_DIR/.docker-machine" ] && [ ! -f "$DOCKER_DIR/daemon.json.pre-docker-machine" ]; then
        cp -p "$DOCKER_DIR/daemon.json" "$DOCKER_DIR/daemon.json.pre-docker-machine"
        say "Saved the existing daemon.json as daemon.json.pre-docker-machine"
    fi
    install_generated 0644 "$DOCKER_DIR/daemon.json" daemon_json
    : >"$DOCKER_DIR/.docker-machine"
    if uses_systemd; then
        install_generated 0644 "$DROPIN" systemd_dropin
    else
        install_generated 0755 "$LAUNCHER" launcher
    fi
}

port_listening() {
    hex=$(printf ':%04X' "$ENGINE_PORT")
    awk -v port="$hex" '$2 ~ (port "$") && $4 == "0A" { found = 1 } END { exit !found }' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

daemon_answers() {
    if have docker; then
        if have timeout; then
            timeout 10 docker -H unix:///var/run/docker.sock version >/dev/null 2>&1
        else
            docker -H unix:///var/run/docker.sock version >/dev/null 2>&1
        fi
    elif have curl; then
        curl -fsS --max-time 10 --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null 2>&1
    else
        [ -S /var/run/docker.sock ]
    fi
}

engine_healthy() {
    daemon_answers && port_listening
}

daemon_log_tail() {
    if uses_systemd && have journalctl; then
        journalctl -u docker.service -n 25 --no-pager 2>&1 || true
    else
        tail -n 25 "$DAEMON_LOG" 2>&1 || true
    fi | tr -c '\11\12\40-\176' '?'
}

fail_with_log() {
    fail "$1. The end of the Docker daemon's log:
$(daemon_log_tail)"
}

stop_detached() {
    pid=$(cat "$DAEMON_PIDFILE" 2>/dev/null || true)
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill "$pid"
    i=0
    while kill -0 "$pid" 2>/dev/null; do
        i=$((i + 1))
        if [ "$i" -gt 30 ]; then
            kill -9 "$pid" 2>/dev/null || true
            break
        fi
        sleep 1
    done
}

start_detached() {
    [ -f "$DAEMON_LOG" ] && mv -f "$DAEMON_LOG" "$DAEMON_LOG.1"
    # A new session and no terminal: dockerd outlives this SSH session, which can then close.
    if have setsid; then
        setsid "$LAUNCHER" >>"$DAEMON_LOG" 2>&1 </dev/null &
    else
        nohup "$LAUNCHER" >>"$DAEMON_LOG" 2>&1 </dev/null &
    fi
    ENGINE_PID=$!
}

restart_engine() {
    say "Restarting Docker..."
    if uses_systemd; then
        systemctl daemon-reload
        systemctl reset-failed docker.service >/dev/null 2>&1 || true
        systemctl restart docker.service || fail_with_log "Docker failed to start"
    else
        stop_detached
        start_detached
    fi
}

engine_exited() {
    if uses_systemd; then
        systemctl is-failed --quiet docker.service
    else
        [ -n "$ENGINE_PID" ] && ! kill -0 "$ENGINE_PID" 2>/dev/null
    fi
}

wait_for_engine() {
    say "Waiting for Docker to answer on port $ENGINE_PORT..."
    waited=0
    until engine_healthy; do
        engine_exited && fail_with_log "Docker exited while starting"
        waited=$((waited + 1))
        [ "$waited" -le "$DAEMON_TIMEOUT" ] || fail_with_log "Docker did not answer on port $ENGINE_PORT within ${DAEMON_TIMEOUT}s"
        sleep 1
    done
}

enable_at_boot() {
    if uses_systemd; then
        systemctl enable docker.service >/dev/null 2>&1 || say "Warning: could not enable docker.service at boot"
    else
        say "No systemd here: dockerd runs detached; after a reboot start it again with $LAUNCHER"
    fi
}

# The public host keys of the sshd serving this connection, between two marker lines at the very end of
# the output: docker-machine pins them for the machine (STORE/machines/NAME/known_hosts and later
# provisioning). Asked of that sshd itself (ssh-keyscan at the address and port the client reached, from
# SSH_CONNECTION: the environment of this process or, under sudo, of its callers), so a HostKey set
# elsewhere than /etc/ssh counts; without ssh-keyscan, the standard files. Only "TYPE BASE64" is printed:
# the reader drops anything that is not a key of a known type.
HOST_KEYS_BEGIN="-----BEGIN DOCKER-MACHINE SSH HOST KEYS-----"
HOST_KEYS_END="-----END DOCKER-MACHINE SSH HOST KEYS-----"

ssh_connection() {
    conn=${SSH_CONNECTION:-}
    pid=$PPID
    hops=0
    while [ -z "$conn" ] && [ "$hops" -lt 6 ] && [ "${pid:-0}" -gt 1 ] 2>/dev/null; do
        conn=$(tr '\000' '\n' < "/proc/$pid/environ" 2>/dev/null | sed -n 's/^SSH_CONNECTION=//p' | head -n 1)
        pid=$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$pid/status" 2>/dev/null) || pid=
        hops=$((hops + 1))
    done
    printf '%s\n' "$conn"
}

print_host_keys() {
    keys=
    conn=$(ssh_connection)
    # "client_ip client_port server_ip server_port": only an address and a port are used, as data.
    server=$(printf '%s\n' "$conn" | awk 'NF == 4 && $3 ~ /^[0-9A-Fa-f:.]+$/ && $4 ~ /^[0-9]+$/ { print $3 " " $4 }')
    if [ -n "$server" ] && have ssh-keyscan; then
        keys=$(ssh-keyscan -T 5 -p "${server#* }" -- "${server% *}" 2>/dev/null \
            | awk '$1 !~ /^#/ && NF >= 3 { print $2 " " $3 }') || keys=
    fi
    if [ -z "$keys" ]; then
        keys=$(cat /etc/ssh/ssh_host_*_key.pub 2>/dev/null | awk 'NF >= 2 { print $1 " " $2 }') || keys=
    fi
    printf '%s\n' "$HOST_KEYS_BEGIN"
    [ -z "$keys" ] || printf '%s\n' "$keys"
    printf '%s\n' "$HOST_KEYS_END"
}

main() {
    read_certificate_bundle
    wait_for_cloud_init
    detect_os /etc/os-release
    if [ -n "$OS_FAMILY" ]; then
        say "Provisioning with $OS_NAME..."
    elif have_engine; then
        say "Provisioning with $OS_NAME (not a recognized OS; Docker is already installed, so carrying on)..."
    else
        require_known_os
    fi
    set_hostname
    install_engine
    add_user_to_docker_group
    install_certificates
    configure_engine
    if [ "$CHANGED" = no ] && engine_healthy; then
        say "Docker configuration unchanged and the daemon is answering: not restarting it"
    else
        restart_engine
        wait_for_engine
    fi
    enable_at_boot
    say "Docker is up and running on port $ENGINE_PORT!"
    print_host_keys
}

# Undoes configure_engine (for hosts docker-machine did not create): Docker itself stays installed.
deprovision() {
    if [ ! -f "$DOCKER_DIR/.docker-machine" ]; then
        say "docker-machine's Docker configuration is not on this host: nothing to remove"
        return 0
    fi
    uses_systemd || stop_detached
    rm -f "$DOCKER_DIR/ca.pem" "$DOCKER_DIR/server.pem" "$DOCKER_DIR/server-key.pem" "$LAUNCHER" "$DROPIN" "$ENGINE_ENV"
    if [ -f "$DOCKER_DIR/daemon.json.pre-docker-machine" ]; then
        mv -f "$DOCKER_DIR/daemon.json.pre-docker-machine" "$DOCKER_DIR/daemon.json"
    else
        rm -f "$DOCKER_DIR/daemon.json"
    fi
    rm -f "$DOCKER_DIR/.docker-machine"
    if uses_systemd; then
        systemctl daemon-reload
        systemctl restart docker.service || say "Warning: docker.service did not restart with its own configuration"
    fi
    say "Removed docker-machine's TLS configuration; Docker stays installed"
}
