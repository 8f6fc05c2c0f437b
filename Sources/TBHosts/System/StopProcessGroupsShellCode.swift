/// Shell code (for `/bin/sh`, local or on a host) that sends SIGTERM to the process
/// groups listed in `$groups`, waits up to 2 s for them to end, sends SIGKILL to those
/// of which anything remains, and exits.
let stopProcessGroupsShellCode = """
    for group in $groups; do kill -TERM -$group 2>/dev/null; done
    i=0
    while [ $i -lt 20 ]; do
      alive=
      for group in $groups; do kill -0 -$group 2>/dev/null && alive=1; done
      [ -z "$alive" ] && exit 0
      sleep 0.1; i=$((i + 1))
    done
    for group in $groups; do kill -KILL -$group 2>/dev/null; done
    exit 0

    """
