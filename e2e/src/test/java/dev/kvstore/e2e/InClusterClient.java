package dev.kvstore.e2e;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Clients that run inside the cluster, as an application would: pods from the store image (it has
 * bash, curl and redis-cli) talking to the KVCluster's Services by DNS name. One long-lived pod for one-off
 * commands, and writer pods that write continuously and log every answer (see {@link WriteLog}).
 */
final class InClusterClient {

    private static final String SHELL_POD = "kv-e2e-client";
    /**
     * The client pods' labels: the suite's main cluster ({@code kv}, made from the README's example) lets in
     * pods labelled as its clients; the others select the client pods by name in their spec.
     */
    static final String CLIENT_LABELS = "{app.kubernetes.io/name: kv-e2e-client, kvstore.dev/client-of: kv}";
    private static final String OUTSIDER_LABELS = "{app.kubernetes.io/name: kv-e2e-outsider}";
    /** Where the shell pod keeps the clusters' password (every cluster of the suite shares kv's). */
    private static final String PASSWORD_FILE = "/tmp/kv-password";
    /** The Secret the writer pods take the password from: the README cluster's generated users. */
    static final String USERS_SECRET = "kv-users";

    /** Where client pods have the README cluster's CA certificate (its ConfigMap kv-ca-cert, mounted). */
    static final String CA_FILE = "/etc/kv-ca/ca.crt";

    /**
     * Run before every script: clients authenticate as an application would, redis-cli by
     * REDISCLI_AUTH and curl by HTTP Basic, as user default with the password the operator generated;
     * redis-cli speaks TLS, trusting the README cluster's CA (TLS by default), to every host (its Services
     * and its pods' IPs) but those of the one cluster the suite makes without TLS (upgrade-*, which runs the
     * previous release). curl the same: a URL {@code http://<host>:8080/...} becomes https with the CA of
     * the host's cluster ({@code /tmp/ca/<cluster>.crt} when the suite put one there, else the README
     * cluster's), as a user's script would say it. Wrappers on PATH, not functions: timeout runs them too.
     */
    static final String AUTHENTICATE = """
            if [ -z "${REDISCLI_AUTH:-}" ] && [ -s %s ]; then export REDISCLI_AUTH=$(cat %s); fi
            curl() { if [ -n "${REDISCLI_AUTH:-}" ]; then command curl -u "default:$REDISCLI_AUTH" "$@"; else command curl "$@"; fi; }
            if [ ! -x /tmp/bin/redis-cli ]; then
              mkdir -p /tmp/bin
              printf '%%s\n' '#!/bin/bash' 'tls=(); prev=' \
                'for a in "$@"; do if [ "$prev" = -h ]; then case "$a" in upgrade-*) ;; *) tls=(--tls --cacert %s);; esac; fi; prev=$a; done' \
                'exec /usr/bin/redis-cli "${tls[@]}" "$@"' > /tmp/bin/redis-cli.part
              chmod +x /tmp/bin/redis-cli.part && mv /tmp/bin/redis-cli.part /tmp/bin/redis-cli
            fi
            if [ ! -x /tmp/bin/curl ]; then
              printf '%%s\n' '#!/bin/bash' 'args=()' 'for a in "$@"; do' '  case "$a" in' \
                '    http://upgrade-*) args+=("$a");;' \
                '    http://*:8080/*) host=${a#http://}; host=${host%%%%:*}; ca=%s' \
                '      [ -f "/tmp/ca/${host%%%%-*}.crt" ] && ca=/tmp/ca/${host%%%%-*}.crt' \
                '      args+=(--cacert "$ca" "https://${a#http://}");;' \
                '    *) args+=("$a");;' '  esac' 'done' 'exec /usr/bin/curl "${args[@]}"' > /tmp/bin/curl.part
              chmod +x /tmp/bin/curl.part && mv /tmp/bin/curl.part /tmp/bin/curl
            fi
            export PATH=/tmp/bin:$PATH
            """.formatted(PASSWORD_FILE, PASSWORD_FILE, CA_FILE, CA_FILE);

    /** Writes PREFIX-1, PREFIX-2, ... until /tmp/stop exists; one line per answer. */
    private static final String WRITER = """
            i=0
            while [ ! -e /tmp/stop ]; do
              i=$((i+1))
              out=$(curl -s -m 2 -X PUT --data-binary "v$i" -w ' %{http_code}' "http://$1:8080/v1/kv/$2-$i")
              echo "W $i ${EPOCHREALTIME/./} $out"
            done
            """;

    /** The same through the Redis protocol: SET PREFIX-i vi with redis-cli; one line per reply, R INDEX MICROS REPLY. */
    private static final String RESP_WRITER = """
            i=0
            while [ ! -e /tmp/stop ]; do
              i=$((i+1))
              out=$(timeout 3 redis-cli -h "$1" -p 6379 SET "$2-$i" "v$i" 2>&1 | tr '\n' ' ')
              echo "R $i ${EPOCHREALTIME/./} $out"
            done
            """;

    /**
     * Three clients at once, each a loop of redis-cli calls through SERVICE:6379 on a few keys of PREFIX:
     * {@code SET ... GET} of a register (r0..r2) to a value of its own, APPEND of a suffix of its own (a0, a1),
     * INCR of a counter (c0, c1). Every reply is the primary's decision (what the SET replaced, the new length,
     * the new value), so every call is a read too. One line per call, with the pod's clock (microseconds) before
     * and after it and what redis-cli printed, its lines joined by '|', then its exit status:
     * H CLIENT OP KEY VALUE CALL RETURN LINES|rc=STATUS ({@link RespHistory}).
     */
    private static final String HISTORY_CLIENTS = """
            call() { timeout 3 redis-cli -h "$SERVICE" -p 6379 "$@" 2>&1 | tr '\n' '|'; echo "rc=${PIPESTATUS[0]}"; }
            client() {
              local id=$1 n=0 r op key val out start end
              while [ ! -e /tmp/stop ]; do
                n=$((n+1)); r=$((RANDOM % 10))
                start=${EPOCHREALTIME/./}
                if [ $r -lt 4 ]; then op=getset key="$PREFIX-r$((RANDOM % 3))" val="$id-$n"
                  out=$(call SET "$key" "$val" GET)
                elif [ $r -lt 7 ]; then op=append key="$PREFIX-a$((RANDOM % 2))" val="$id.$n,"
                  out=$(call APPEND "$key" "$val")
                else op=incr key="$PREFIX-c$((RANDOM % 2))" val=-
                  out=$(call INCR "$key")
                fi
                end=${EPOCHREALTIME/./}
                echo "H $id $op $key $val $start $end $out"
              done
            }
            SERVICE=$1 PREFIX=$2
            client c1 & client c2 & client c3 &
            wait
            """;

    /** {@link #CHECKER}'s check read with redis-cli: a TRYAGAIN answer (the same refusal in RESP) retried as a 503 is there, within 20 s. */
    private static final String RESP_CHECKER = """
            service=$1 prefix=$2
            shift 2
            deadline=$((SECONDS + 20))
            for i in "$@"; do
              while :; do
                v=$(timeout 5 redis-cli -h "$service" -p 6379 GET "$prefix-$i" 2>&1)
                case "$v" in TRYAGAIN*) [ $SECONDS -lt $deadline ] && sleep 0.5 && continue ;; esac
                break
              done
              [ "$v" = "v$i" ] || echo "missing $i $v"
            done
            echo checked
            """;

    /**
     * Prints "missing I <what was read>" for every PREFIX-I whose value is not vI. A primary refuses reads
     * with 503 while it does not hold its read lease (its secondaries have not confirmed it for a lease,
     * 300 ms, as under a CPU-starved CI node, or a new term is still being confirmed) and says to retry:
     * the check retries such an answer every 0.5 s, as a client would, within 20 s for the whole check (a
     * cluster that stays unavailable is reported in seconds, not after a wait per key), and reports any other.
     */
    private static final String CHECKER = """
            service=$1 prefix=$2
            shift 2
            deadline=$((SECONDS + 20))
            for i in "$@"; do
              while :; do
                v=$(curl -s -m 5 -w '\n%{http_code}' "http://$service:8080/v1/kv/$prefix-$i")
                status=${v##*$'\n'}
                [ "$status" = 503 ] && [ $SECONDS -lt $deadline ] && sleep 0.5 && continue
                break
              done
              v=${v%$'\n'*}
              [ "$v" = "v$i" ] || echo "missing $i $v (HTTP $status)"
            done
            echo checked
            """;

    private final Kube kube;
    private final String namespace;
    private final String image;

    InClusterClient(Kube kube, String namespace, String image) {
        this.kube = kube;
        this.namespace = namespace;
        this.image = image;
    }

    void start() {
        kube.apply(podYaml(SHELL_POD, List.of("sleep", "infinity")));
        awaitRunning(SHELL_POD);
    }

    /** From now on the shell pod's clients authenticate with {@code password} (kept in a file there, not in a command line). */
    void usePassword(String password) {
        Kube.Result result = kube.kubectlResult(password, "exec", "-i", "-n", namespace, SHELL_POD, "--", "bash", "-c",
                "umask 077; cat > " + PASSWORD_FILE);
        if (!result.ok()) {
            throw new IllegalStateException("could not store the password in the client pod: " + result.err());
        }
    }

    /** Runs a bash script in the client pod, authenticated (see {@link #AUTHENTICATE}); returns its output, fails if it fails. */
    String bash(String script, String... args) {
        List<String> command = new ArrayList<>(List.of("exec", "-n", namespace, SHELL_POD, "--", "bash", "-c",
                AUTHENTICATE + script, "script"));
        command.addAll(List.of(args));
        return kube.kubectl(command.toArray(String[]::new));
    }

    /** Which of PREFIX-INDEXES do not read back as written through SERVICE. */
    List<String> missing(String service, String prefix, List<Long> indexes) {
        return missing(CHECKER, service, prefix, indexes);
    }

    /** Which of PREFIX-INDEXES do not read back as written, read with redis-cli through SERVICE:6379. */
    List<String> missingByRedisCli(String service, String prefix, List<Long> indexes) {
        return missing(RESP_CHECKER, service, prefix, indexes);
    }

    private List<String> missing(String checker, String service, String prefix, List<Long> indexes) {
        List<String> missing = new ArrayList<>();
        // in slices, so that one exec's argument list stays small
        for (int from = 0; from < indexes.size(); from += 2000) {
            List<String> args = new ArrayList<>(List.of(service, prefix));
            indexes.subList(from, Math.min(indexes.size(), from + 2000)).forEach(i -> args.add(Long.toString(i)));
            String out = bash(checker, args.toArray(String[]::new));
            if (!out.contains("checked")) {
                throw new IllegalStateException("the checker did not finish: " + out);
            }
            out.lines().filter(line -> line.startsWith("missing")).forEach(missing::add);
        }
        return missing;
    }

    /** A pod that writes PREFIX-i through SERVICE until {@link #stopWriter} is called. */
    void startWriter(String name, String service, String prefix) {
        kube.apply(podYaml(name, List.of("bash", "-c", AUTHENTICATE + WRITER, "writer", service, prefix)));
        awaitRunning(name);
    }

    /** The same writer on any node but {@code avoidedNode} (the one a test is about to lose). */
    void startWriterAvoiding(String name, String service, String prefix, String avoidedNode) {
        kube.apply(avoiding(podYaml(name, List.of("bash", "-c", AUTHENTICATE + WRITER, "writer", service, prefix)),
                service, avoidedNode));
        awaitRunning(name);
    }

    /**
     * The pod kept off {@code node}, with {@code service}'s address in its /etc/hosts: a node test may cut off or
     * lose the node of a DNS replica, and half the pod's lookups would wait out the resolver's timeout (5 s).
     */
    private String avoiding(String podYaml, String service, String node) {
        String clusterIp = kube.client().services().inNamespace(namespace).withName(service).get().getSpec().getClusterIP();
        return podYaml.replace("  restartPolicy: Never\n", """
                  restartPolicy: Never
                  hostAliases:
                  - {ip: "%s", hostnames: [%s]}
                  affinity:
                    nodeAffinity:
                      requiredDuringSchedulingIgnoredDuringExecution:
                        nodeSelectorTerms:
                        - matchExpressions:
                          - {key: kubernetes.io/hostname, operator: NotIn, values: [%s]}
                """.formatted(clusterIp, service, node));
    }

    /** A pod that SETs PREFIX-i through SERVICE:6379 with redis-cli until {@link #stopRespWriter} is called. */
    void startRespWriter(String name, String service, String prefix) {
        kube.apply(podYaml(name, List.of("bash", "-c", AUTHENTICATE + RESP_WRITER, "writer", service, prefix)));
        awaitRunning(name);
    }

    /**
     * A redis-cli writer on the node {@code node} that SETs through {@code host} (a store's address, not a
     * Service: a node cut off reaches no DNS) and stays on that node while it is unreachable (it tolerates
     * what the node controller puts on such a node), so that its log survives the partition.
     */
    void startRespWriterOn(String name, String host, String prefix, String node) {
        kube.apply(podYaml(name, List.of("bash", "-c", AUTHENTICATE + RESP_WRITER, "writer", host, prefix))
                .replace("  restartPolicy: Never\n", """
                          restartPolicy: Never
                          nodeName: %s
                          tolerations:
                          - {key: node.kubernetes.io/unreachable, operator: Exists}
                          - {key: node.kubernetes.io/not-ready, operator: Exists}
                        """.formatted(node)));
        awaitRunning(name);
    }

    /**
     * Clients recording a history for the linearizability checker through SERVICE (see {@link #HISTORY_CLIENTS}),
     * on any node but {@code avoidedNode} when one is named (with the Service's address in /etc/hosts, as
     * {@link #startWriterAvoiding}), until {@link #stopHistoryClients} is called.
     */
    void startHistoryClients(String name, String service, String prefix, String avoidedNode) {
        String yaml = podYaml(name, List.of("bash", "-c", AUTHENTICATE + HISTORY_CLIENTS, "history", service, prefix));
        kube.apply(avoidedNode == null ? yaml : avoiding(yaml, service, avoidedNode));
        awaitRunning(name);
    }

    /** Stops the history clients, waits for them to end and returns their log. */
    String stopHistoryClients(String name) {
        return stop(name);
    }

    /** What a redis-cli writer saw: the index and time (µs) of every SET answered OK, in order. */
    record RespAck(long index, long micros) {
    }

    static List<RespAck> respAcknowledged(String log) {
        List<RespAck> acks = new ArrayList<>();
        for (String line : log.split("\n")) {
            String[] parts = line.strip().split(" ", 4);
            if (parts.length == 4 && parts[0].equals("R") && parts[3].strip().equals("OK")) {
                acks.add(new RespAck(Long.parseLong(parts[1]), Long.parseLong(parts[2])));
            }
        }
        return acks;
    }

    /** Stops the redis-cli writer, waits for it to end and returns the SETs answered OK. */
    List<RespAck> stopRespWriter(String name) {
        return respAcknowledged(stop(name));
    }

    /** Stops the redis-cli writer, waits for it to end and returns every line it wrote (R INDEX MICROS REPLY). */
    String stopRespWriterLog(String name) {
        return stop(name);
    }

    /**
     * The replies of a redis-cli writer's log that were not OK, after its first OK (a new pod's first SETs may be
     * refused until the firewall knows it).
     */
    static List<String> respRefusedAfterFirstAck(String log) {
        List<String> refused = new ArrayList<>();
        boolean acknowledged = false;
        for (String line : log.split("\n")) {
            String[] parts = line.strip().split(" ", 4);
            if (parts.length < 3 || !parts[0].equals("R")) {
                continue;
            }
            boolean ok = parts.length == 4 && parts[3].strip().equals("OK");
            if (!ok && acknowledged) {
                refused.add(line.strip());
            }
            acknowledged |= ok;
        }
        return refused;
    }

    /** Stops the writer, waits for it to end and returns what it saw. */
    WriteLog stopWriter(String name) {
        return WriteLog.parse(stop(name));
    }

    private String stop(String name) {
        // the writer ends as soon as it sees the file, and its container takes the exec'd touch down with
        // it (exit 137) when that is faster than touch's own exit: success is the pod ending, below
        kube.kubectlResult(null, "exec", "-n", namespace, name, "--", "touch", "/tmp/stop");
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            Pod pod = kube.client().pods().inNamespace(namespace).withName(name).get();
            return pod != null && "Succeeded".equals(pod.getStatus().getPhase());
        });
        String log = kube.kubectl("logs", "-n", namespace, name);
        kube.kubectl("delete", "pod", "-n", namespace, name, "--wait=false");
        return log;
    }

    private void awaitRunning(String name) {
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(() -> {
            Pod pod = kube.client().pods().inNamespace(namespace).withName(name).get();
            return pod != null && "Running".equals(pod.getStatus().getPhase());
        });
    }

    /**
     * A pod like the client's but none of the clusters' NetworkPolicies lets in: no
     * {@code kvstore.dev/client-of} label, and not the client's name either.
     */
    void startOutsider(String name) {
        kube.apply(podYaml(name, List.of("sleep", "infinity"), OUTSIDER_LABELS));
        awaitRunning(name);
    }

    /** Runs a bash script in the named pod of the namespace (unauthenticated); returns its output. */
    String bashIn(String pod, String script, String... args) {
        List<String> command = new ArrayList<>(List.of("exec", "-n", namespace, pod, "--", "bash", "-c", script,
                "script"));
        command.addAll(List.of(args));
        return kube.kubectl(command.toArray(String[]::new));
    }

    private String podYaml(String name, List<String> command) {
        return podYaml(name, command, CLIENT_LABELS);
    }

    private String podYaml(String name, List<String> command, String labels) {
        StringBuilder yaml = new StringBuilder("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                  namespace: %s
                  labels: %s
                spec:
                  restartPolicy: Never
                  terminationGracePeriodSeconds: 1
                  securityContext: {runAsNonRoot: true, runAsUser: 185, seccompProfile: {type: RuntimeDefault}}
                  volumes:
                  - name: kv-ca
                    configMap: {name: kv-ca-cert, optional: true}
                  containers:
                  - name: client
                    image: %s
                    imagePullPolicy: IfNotPresent
                    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
                    env:
                    - name: REDISCLI_AUTH
                      valueFrom: {secretKeyRef: {name: %s, key: default, optional: true}}
                    volumeMounts:
                    - {name: kv-ca, mountPath: /etc/kv-ca, readOnly: true}
                    command:
                """.formatted(name, namespace, labels, image, USERS_SECRET));
        for (String part : command) {
            yaml.append("    - ").append(jsonString(part)).append('\n');
        }
        return yaml.toString();
    }

    /** A YAML flow scalar that keeps newlines and quotes (JSON strings are valid YAML). */
    private static String jsonString(String value) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
