#!/bin/sh
# kubectl kv: this file is a jar with this line in front; java reads the jar from its end
exec "${JAVA_HOME:+$JAVA_HOME/bin/}java" -XX:TieredStopAtLevel=1 -Xshare:auto -jar "$0" "$@"
