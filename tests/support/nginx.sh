# Sourced by the suites that put Debian's nginx in front of something (remote-meeting, pull).
# nginx_start DIR SERVER_CONF: runs nginx in the foreground as a child of the calling shell,
# with everything it writes kept in DIR and the `server { … }` blocks of SERVER_CONF; checks
# the configuration first and stops the suite when nginx refuses it. Sets `nginx_pid`.
nginx_start() {
  local dir=$1 server=$2
  mkdir -p "$dir/nginx-tmp"
  chmod 755 "$dir"
  cat > "$dir/nginx.conf" <<CONF
user root;
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log;
events {}
http {
    access_log $dir/nginx-access.log;
    client_body_temp_path $dir/nginx-tmp/body;
    proxy_temp_path $dir/nginx-tmp/proxy;
    fastcgi_temp_path $dir/nginx-tmp/fastcgi;
    uwsgi_temp_path $dir/nginx-tmp/uwsgi;
    scgi_temp_path $dir/nginx-tmp/scgi;
    include $server;
}
CONF
  nginx -t -p "$dir" -c "$dir/nginx.conf" 2>"$dir/nginx-test.log" || { cat "$dir/nginx-test.log" >&2; exit 1; }
  nginx -p "$dir" -c "$dir/nginx.conf" &
  nginx_pid=$!
}
