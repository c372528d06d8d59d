# SPDX-License-Identifier: GPL-2.0-only
# Private clickhouse-server instances for the fleet suite and benchmark
# (sourced). Two servers on free loopback ports, each with its own config,
# data, tmp and log directories under one directory, both shards of the
# cluster 'netrec'; stopped by pid. Nothing here touches the packaged
# server's configuration or data.
#
#   ch_ports             sets CH_PORTS (6 free loopback ports) and PORT_A, PORT_B
#   ch_server DIR NAME TCP HTTP INTERSERVER
#                        starts one under DIR/NAME as user clickhouse and waits
#                        until it answers; appends its pid to CH_PIDS
#   ch_stop              SIGTERM to every pid in CH_PIDS, SIGKILL after 30 s
# Functions return non-zero with a message on stderr; the caller decides.

CH_PIDS=()

ch_port_free() { [ -z "$(ss -Htan "sport = :$1" 2>/dev/null)" ]; }

ch_ports() {
	local try base k
	for try in $(seq 40); do
		base=$(( 20000 + (RANDOM % 2000) * 10 ))
		CH_PORTS=()
		for k in 0 1 2 3 4 5; do
			ch_port_free $((base + k)) && CH_PORTS+=($((base + k)))
		done
		if [ ${#CH_PORTS[@]} = 6 ]; then
			PORT_A=${CH_PORTS[0]}
			PORT_B=${CH_PORTS[3]}
			return 0
		fi
	done
	echo "no 6 free loopback ports for ClickHouse" >&2
	return 1
}

# poll_interval 1 in the default profile: a server whose peer is gone stops
# in a second, not ten.
ch_server() {
	local d=$1/$2 tcp=$3 http=$4 inter=$5 i
	mkdir -p "$d/data" "$d/tmp" "$d/log" "$d/user_files" "$d/format_schemas"
	cat >"$d/config.xml" <<-XML
	<?xml version="1.0"?>
	<yandex>
	  <logger><level>warning</level><log>$d/log/server.log</log>
	    <errorlog>$d/log/error.log</errorlog><size>10M</size><count>1</count></logger>
	  <listen_host>127.0.0.1</listen_host>
	  <tcp_port>$tcp</tcp_port>
	  <http_port>$http</http_port>
	  <interserver_http_port>$inter</interserver_http_port>
	  <interserver_http_host>127.0.0.1</interserver_http_host>
	  <path>$d/data/</path>
	  <tmp_path>$d/tmp/</tmp_path>
	  <user_files_path>$d/user_files/</user_files_path>
	  <format_schema_path>$d/format_schemas/</format_schema_path>
	  <mark_cache_size>268435456</mark_cache_size>
	  <uncompressed_cache_size>268435456</uncompressed_cache_size>
	  <max_concurrent_queries>20</max_concurrent_queries>
	  <default_profile>default</default_profile>
	  <default_database>default</default_database>
	  <timezone>UTC</timezone>
	  <mlock_executable>false</mlock_executable>
	  <users_config>$d/users.xml</users_config>
	  <remote_servers>
	    <netrec>
	      <shard><replica><host>127.0.0.1</host><port>$PORT_A</port></replica></shard>
	      <shard><replica><host>127.0.0.1</host><port>$PORT_B</port></replica></shard>
	    </netrec>
	  </remote_servers>
	</yandex>
	XML
	cat >"$d/users.xml" <<-XML
	<?xml version="1.0"?>
	<yandex>
	  <profiles><default><max_memory_usage>2000000000</max_memory_usage>
	    <poll_interval>1</poll_interval></default></profiles>
	  <users><default><password></password><networks><ip>127.0.0.1</ip></networks>
	    <profile>default</profile><quota>default</quota></default></users>
	  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
	    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
	  </interval></default></quotas>
	</yandex>
	XML
	chown -R clickhouse:clickhouse "$d" || return 1
	runuser -u clickhouse -- clickhouse-server --config-file="$d/config.xml" \
		--pid-file="$d/pid" --daemon || { echo "clickhouse-server $2 did not start" >&2; return 1; }
	for i in $(seq 200); do
		[ -s "$d/pid" ] && break
		sleep 0.1
	done
	[ -s "$d/pid" ] || { echo "clickhouse-server $2 wrote no pid file" >&2; return 1; }
	CH_PIDS+=("$(cat "$d/pid")")
	for i in $(seq 150); do
		command clickhouse-client --port "$tcp" --query "SELECT 1" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "clickhouse-server $2 does not answer on port $tcp: $(tail -3 "$d/log/error.log" 2>/dev/null)" >&2
	return 1
}

ch_stop() {
	local p i
	for p in "${CH_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${CH_PIDS[@]}"; do
		for i in $(seq 300); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null || true
	done
	CH_PIDS=()
}
