package dev.kvstore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kvstore.backup.BackupStorage;
import dev.kvstore.backup.BackupSource;
import dev.kvstore.backup.ArchivedLogs;
import dev.kvstore.backup.Backups;
import dev.kvstore.backup.RestorePlan;
import dev.kvstore.cli.client.KvClient;
import dev.kvstore.cli.local.LocalCluster;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.LocalSupervisor;
import dev.kvstore.cli.local.NodeProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kv}: run a local cluster, talk to it, and watch failovers happen. */
// INHERIT: every subcommand answers --help (and --version) too
@Command(name = "kv", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, version = "kv 0.1.0",
        description = "KV Cluster command line: local cluster, client, demo.",
        subcommands = {KvCli.Local.class, KvCli.Demo.class, KvCli.Put.class, KvCli.Get.class, KvCli.Status.class,
                KvCli.KillPrimary.class, KvCli.RotateSecret.class, KvCli.Backup.class, KvCli.ListBackups.class, LocalArchive.class,
                LocalFence.Fence.class, LocalFence.Unfence.class, LocalPromote.class, dev.kvstore.cli.bench.Bench.class})
public final class KvCli {

    static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    public static void main(String[] args) {
        // a failure is said in one line (what failed and why), not as a stack trace: the messages say what to do
        System.exit(new CommandLine(new KvCli()).setExecutionExceptionHandler((failure, command, parsed) -> {
            // a failure without a message (a NullPointerException, say) is named by its type, never "null"
            String message = failure.getMessage() != null ? failure.getMessage() : failure.toString();
            command.getErr().println("kv " + command.getCommandName() + ": " + message);
            return 1;
        }).execute(args));
    }

    static void say(String line) {
        System.out.println(LocalTime.now().format(CLOCK) + "  " + line);
        System.out.flush();
    }

    /** Options shared by the commands that talk to a local cluster. */
    static class ClusterOptions {
        @Option(names = "--dir", defaultValue = ".kv-local", description = "local cluster directory (default ${DEFAULT-VALUE})")
        Path dir;

        @Option(names = "--url", split = ",", description = "store URLs instead of a local cluster directory")
        List<String> urls;

        @Option(names = "--cacert", description = "with --url https://...: the CA certificate (PEM) the stores' "
                + "certificates are checked against, as curl's --cacert (an operator's cluster: ConfigMap <name>-ca-cert)")
        Path caCert;

        @Option(names = "--user", defaultValue = "default", description = "with --url: the user to sign in as "
                + "(default ${DEFAULT-VALUE}); its password from the environment, KV_PASSWORD or else REDISCLI_AUTH "
                + "(never an option: a command line is visible to every user of the machine)")
        String user;

        List<String> urls() throws IOException {
            if (urls != null && !urls.isEmpty()) {
                return urls;
            }
            Properties props = descriptor();
            List<String> found = new ArrayList<>();
            for (int i = 0; i < Integer.parseInt(props.getProperty("nodes")); i++) {
                found.add(props.getProperty("node." + i + ".url"));
            }
            return found;
        }

        /**
         * A client of the cluster: of a local cluster, as its default user when it has users; of stores
         * given by URL, as {@code --user} with the password from the environment when one is set.
         */
        KvClient client(Duration timeout) throws IOException {
            KvClient client = new KvClient(urls(), timeout);
            if (caCert != null && (urls == null || urls.isEmpty())) {
                throw new IOException("--cacert goes with --url https://...; a local cluster's CA is found in " + dir);
            }
            if (urls == null || urls.isEmpty()) {
                return dev.kvstore.cli.local.LocalUsers.signIn(dev.kvstore.cli.local.LocalTls.trustedBy(client, dir), dir);
            }
            if (caCert != null) {
                client = client.withTls(dev.kvstore.core.tls.SslContexts.of(java.nio.file.Files.readString(caCert), null, null));
            }
            // a local cluster's password goes to that cluster only, never to URLs given on the command line
            String password = passwordFromEnvironment(System.getenv());
            if (password == null && !user.equals("default")) {
                throw new IOException("--user " + user + " needs its password in KV_PASSWORD (or REDISCLI_AUTH)");
            }
            return password == null ? client : client.as(user, password);
        }

        /** KV_PASSWORD, else REDISCLI_AUTH (what redis-cli reads, so one export serves both); null without either. */
        static String passwordFromEnvironment(Map<String, String> env) {
            for (String name : List.of("KV_PASSWORD", "REDISCLI_AUTH")) {
                String value = env.get(name);
                if (value != null && !value.isEmpty()) {
                    return value;
                }
            }
            return null;
        }

        /** For the commands that act on a local cluster's own files: --url is refused, saying why. */
        void requireLocal(Object command, String why) {
            if (urls != null && !urls.isEmpty()) {
                throw new CommandLine.ParameterException(new CommandLine(command), why);
            }
        }

        Properties descriptor() throws IOException {
            Path file = dir.resolve("cluster.properties");
            if (!Files.exists(file)) {
                throw new IOException("no local cluster at " + dir.toAbsolutePath() + ": start one with `kv local`");
            }
            Properties props = new Properties();
            try (var in = Files.newBufferedReader(file)) {
                props.load(in);
            }
            return props;
        }

        /** The local cluster's admin client: signed with its secret, with the operator's certificate when on TLS. */
        dev.kvstore.core.admin.AdminClient admin() throws IOException {
            Path operatorTls = dir.resolve("tls").resolve("operator");
            javax.net.ssl.SSLContext tls = Files.exists(operatorTls.resolve("tls.crt"))
                    ? dev.kvstore.core.tls.SslContexts.of(Files.readString(operatorTls.resolve("ca.crt")),
                    Files.readString(operatorTls.resolve("tls.crt")), Files.readString(operatorTls.resolve("tls.key")))
                    : null;
            return new dev.kvstore.core.admin.AdminClient(() -> readSecrets(dir), Duration.ofSeconds(10), url -> null, tls);
        }

        /** Each store's admin URL, by name, in order. */
        java.util.Map<String, String> adminUrls() throws IOException {
            Properties props = descriptor();
            java.util.Map<String, String> adminUrls = new java.util.LinkedHashMap<>();
            for (int i = 0; i < Integer.parseInt(props.getProperty("nodes")); i++) {
                adminUrls.put(props.getProperty("node." + i + ".name"), props.getProperty("node." + i + ".admin"));
            }
            return adminUrls;
        }

        private static dev.kvstore.core.admin.ClusterSecrets readSecrets(Path dir) {
            try {
                return dev.kvstore.core.admin.ClusterSecrets.parse(Files.readString(dir.resolve("secret")));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot read the cluster secret in " + dir, e);
            }
        }
    }

    static class LocalOptions {
        @Option(names = "--nodes", defaultValue = "3", description = "number of stores (default ${DEFAULT-VALUE})")
        int nodes;

        @Option(names = "--base-port", defaultValue = "7100", description = "HTTP port of the first store; replication ports are +100, Redis-protocol ports +200, "
                + "admin ports +300, metrics (management) ports +400")
        int basePort;

        @Option(names = "--mode", defaultValue = "sync", description = "sync or async")
        String mode;

        @Option(names = "--store-jar", defaultValue = "${env:KV_STORE_JAR:-store/target/quarkus-app/quarkus-run.jar}")
        Path storeJar;

        @Option(names = "--heap", defaultValue = "256", description = "heap of each store in MiB (default ${DEFAULT-VALUE});"
                + " half of it is the data's memory budget, past which writes are refused")
        int heapMb;

        @Option(names = "--failover-delay-ms", defaultValue = "150", description = "how long a primary whose "
                + "process runs may be silent before a failover (default ${DEFAULT-VALUE}; a dead process is replaced "
                + "at once). Under heavy load a garbage collection can silence a large heap for longer: raise it there")
        long failoverDelayMillis;

        @Option(names = "--tls", description = "TLS 1.3 on the Redis-protocol, HTTP, replication, admin and metrics ports, with a CA "
                + "of its own made under <dir>/tls (clients: redis-cli --tls --cacert <dir>/tls/ca.crt)")
        boolean tls;

        LocalCluster open(Path dir) throws IOException {
            return open(dir, null);
        }

        /** @param restoreSnapshot a checked backup every store starts from (kv.restore-from), or null */
        LocalCluster open(Path dir, Path restoreSnapshot) throws IOException {
            return open(dir, restoreSnapshot, null, null);
        }

        /**
         * @param restoreLog the archived log after the backup every store replays up to {@code restoreTo}
         *     (kv.restore-log, kv.restore-to), or null
         */
        LocalCluster open(Path dir, Path restoreSnapshot, Path restoreLog, dev.kvstore.core.disk.RestorePoint restoreTo)
                throws IOException {
            // clients authenticate: the default user's password is made under the directory on first start
            Path users = dev.kvstore.cli.local.LocalUsers.ensure(dir).toAbsolutePath();
            if (failoverDelayMillis < 0) {
                throw new IllegalArgumentException("--failover-delay-ms must be 0 or more, got " + failoverDelayMillis);
            }
            LocalClusterSettings settings = LocalClusterSettings.defaults(nodes).withMode(mode).withHeapMb(heapMb)
                    .withFailoverDelay(Duration.ofMillis(failoverDelayMillis)).with("kv.users-dir", users.toString());
            if (restoreSnapshot != null) {
                settings = settings.with("kv.restore-from", restoreSnapshot.toString());
            }
            if (restoreLog != null) {
                settings = settings.with("kv.restore-log", restoreLog.toString()).with("kv.restore-to", restoreTo.toString());
            }
            if (tls) {
                List<String> names = java.util.stream.IntStream.range(0, nodes).mapToObj(LocalCluster::storeName).toList();
                settings = settings.with(dev.kvstore.cli.local.LocalTls.STORE_PROPERTY,
                        dev.kvstore.cli.local.LocalTls.ensure(dir, names));
            }
            return new LocalCluster(dir, storeJar, basePort, settings, KvCli::say);
        }
    }

    @Command(name = "local", description = "Run a local cluster of store processes with a supervisor, until Ctrl-C.")
    static class Local implements Callable<Integer> {
        @CommandLine.Mixin
        LocalOptions local;

        @Option(names = "--dir", defaultValue = ".kv-local")
        Path dir;

        @Option(names = "--for", description = "stop after this many seconds (default: run until Ctrl-C)")
        Integer seconds;

        @Option(names = "--restore-from", description = "start a new cluster from a backup (the manifest kv backup "
                + "wrote: a file, or s3://bucket/prefix/<name>.json): every store begins with its data. Into a new --dir "
                + "only: a cluster's own data is never overwritten")
        String restoreFrom;

        @Option(names = "--restore-to", description = "with --restore-from: restore to a point in time, an ISO-8601 "
                + "time in UTC (2026-12-07T01:02:03.456Z: every write the primary made up to that millisecond, none "
                + "after) or <epoch>:<offset>, replaying the log kv archive kept after the backup. --restore-from then "
                + "names the location (the newest backup before the point is used) or one backup's manifest there "
                + "(<location>/<name>.json)")
        String restoreTo;

        @CommandLine.Mixin
        S3Options s3;

        @Override
        public Integer call() throws Exception {
            Path restoreSnapshot = null;
            Path restoreLog = null;
            dev.kvstore.core.disk.RestorePoint point = null;
            if (restoreTo != null && restoreFrom == null) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--restore-to goes with --restore-from "
                        + "(where the backups and the archived log are)");
            }
            if (restoreTo != null) {
                try {
                    point = dev.kvstore.core.disk.RestorePoint.parse(restoreTo);
                } catch (IllegalArgumentException bad) {
                    throw new CommandLine.ParameterException(new CommandLine(this), "--restore-to: " + bad.getMessage());
                }
            }
            if (restoreFrom != null) {
                // the store's own rule (a restore cut short is done again; a store's data is never overwritten),
                // checked before anything is fetched
                Path first = dir.resolve(LocalCluster.storeName(0));
                if (dev.kvstore.core.disk.RestoreTarget.of(first) == dev.kvstore.core.disk.RestoreTarget.State.HOLDS_DATA) {
                    throw new CommandLine.ParameterException(new CommandLine(this), dir + " holds a cluster's data "
                            + "already: a backup is restored into a new cluster, never in place (that would drop the "
                            + "writes made since the backup). Pick a new --dir");
                }
                int slash = restoreFrom.lastIndexOf('/');
                // a manifest (<name>.json; without --restore-to the name alone, as kv backups lists it too), or
                // with --restore-to the location itself
                boolean namesManifest = point == null || restoreFrom.endsWith(Backups.MANIFEST);
                String location = !namesManifest ? restoreFrom : slash < 0 ? "." : slash == 0 ? "/" : restoreFrom.substring(0, slash);
                BackupStorage storage = BackupStorage.at(location, s3.endpoint, s3.region);
                Backups.Manifest manifest;
                if (point == null) {
                    manifest = Backups.manifest(storage, restoreFrom.substring(slash + 1));
                } else {
                    String named = !namesManifest ? null
                            : restoreFrom.substring(slash + 1, restoreFrom.length() - Backups.MANIFEST.length());
                    RestorePlan plan = RestorePlan.in(storage, named, point);
                    manifest = plan.backup();
                    restoreLog = ArchivedLogs.fetch(storage, plan.segments(), dir.resolve("restore").resolve("archived.kvlog"));
                    say("restoring " + manifest.name() + " and " + plan.segments().size() + " archived log segments after it"
                            + " up to " + point);
                }
                restoreSnapshot = Backups.fetchChecked(storage, manifest, dir.resolve("restore"));
                say("restoring " + manifest.name() + " (" + manifest.keys() + " keys up to offset " + manifest.offset()
                        + ") into every store under " + dir.toAbsolutePath());
            }
            try (LocalCluster cluster = local.open(dir, restoreSnapshot, restoreLog, point)) {
                Runtime.getRuntime().addShutdownHook(new Thread(cluster::close));
                say("starting " + local.nodes + " stores under " + dir.toAbsolutePath() + " (logs: kv-N.log there)");
                LocalSupervisor supervisor = cluster.start();
                say("ready. In another terminal: ./kv put k v | ./kv get k | ./kv status | ./kv kill-primary");
                say("Redis protocol: " + String.join(", ", cluster.nodes().stream()
                        .map(node -> node.name() + " 127.0.0.1:" + node.respPort()).toList()));
                Path password = dir.resolve("users").resolve(dev.kvstore.cli.local.LocalUsers.DEFAULT_USER);
                String tlsFlags = local.tls ? " --tls --cacert " + dir.toAbsolutePath().resolve("tls").resolve("ca.crt") : "";
                if (local.tls) {
                    say("HTTP (TLS only): curl --cacert " + dir.toAbsolutePath().resolve("tls").resolve("ca.crt") + " "
                            + supervisor.primary().httpUrl() + "/v1/kv/<key>");
                }
                say("clients authenticate as user default, password in " + password + "; the primary now: "
                        + "REDISCLI_AUTH=$(cat " + password + ") redis-cli -p " + supervisor.primary().respPort() + tlsFlags);
                long end = seconds == null ? Long.MAX_VALUE : System.nanoTime() + seconds * 1_000_000_000L;
                KvClient client = cluster.client(Duration.ofMillis(500));
                String lastLine = "";
                while (System.nanoTime() < end) {
                    String line = Status.describe(client, cluster.urls(), supervisor.epoch());
                    if (!line.equals(lastLine)) {
                        say(line);
                        lastLine = line;
                    }
                    Thread.sleep(500);
                }
            }
            return 0;
        }
    }

    @Command(name = "demo", description = "The seed scenario in one go: start 3 stores, write keys, kill -9 the primary, "
            + "watch a secondary take over, read every key back.")
    static class Demo implements Callable<Integer> {
        @CommandLine.Mixin
        LocalOptions local;

        @Option(names = "--dir", defaultValue = ".kv-demo")
        Path dir;

        @Option(names = "--keys", defaultValue = "100")
        int keys;

        @Override
        public Integer call() throws Exception {
            try (LocalCluster cluster = local.open(dir)) {
                say("starting " + local.nodes + " stores (" + local.mode + " replication)");
                LocalSupervisor supervisor = cluster.start();
                KvClient client = cluster.client(Duration.ofSeconds(2));
                say(Status.describe(client, cluster.urls(), supervisor.epoch()));
                String run = Long.toString(System.currentTimeMillis(), 36);
                for (int i = 0; i < keys; i++) {
                    client.putWithRetry("demo-" + run + "-" + i, ("value " + i).getBytes(StandardCharsets.UTF_8),
                            Duration.ofSeconds(10));
                }
                say("wrote " + keys + " keys through " + supervisor.primary().name());
                NodeProcess victim = supervisor.primary();
                long killedAt = System.nanoTime();
                victim.kill();
                say("kill -9 " + victim.name() + " (pid " + victim.pid() + ")");
                KvClient.Ack ack = client.putWithRetry("demo-" + run + "-after", "written after the failover".getBytes(),
                        Duration.ofSeconds(10));
                long millis = (System.nanoTime() - killedAt) / 1_000_000;
                say("first write acknowledged by the new primary " + supervisor.primary().name() + " " + millis
                        + " ms after the kill (epoch " + ack.epoch() + ", offset " + ack.offset() + ")");
                int missing = 0;
                for (int i = 0; i < keys; i++) {
                    if (client.get("demo-" + run + "-" + i).value().isEmpty()) {
                        missing++;
                    }
                }
                say("read back " + (keys - missing) + " of " + keys + " keys from the new primary"
                        + (missing == 0 ? ": nothing lost" : ": " + missing + " MISSING"));
                cluster.startDeadNodes();
                Thread.sleep(3000);
                say(Status.describe(client, cluster.urls(), supervisor.epoch()));
                return missing == 0 ? 0 : 1;
            }
        }
    }

    @Command(name = "put", description = "Write a key through the primary.")
    static class Put implements Callable<Integer> {
        @CommandLine.Mixin
        ClusterOptions cluster;

        @Parameters(index = "0")
        String key;

        @Parameters(index = "1")
        String value;

        @Override
        public Integer call() throws Exception {
            KvClient client = cluster.client(Duration.ofSeconds(5));
            KvClient.Ack ack = client.putWithRetry(key, value.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5));
            System.out.println("OK epoch=" + ack.epoch() + " offset=" + ack.offset());
            return 0;
        }
    }

    @Command(name = "get", description = "Read a key from the primary, or from every store with --all.")
    static class Get implements Callable<Integer> {
        @CommandLine.Mixin
        ClusterOptions cluster;

        @Parameters(index = "0")
        String key;

        @Option(names = "--all", description = "ask every store and show each answer with its role and lag")
        boolean all;

        @Override
        public Integer call() throws Exception {
            KvClient client = cluster.client(Duration.ofSeconds(5));
            if (!all) {
                var read = client.get(key);
                System.out.println(read.value().map(v -> new String(v, StandardCharsets.UTF_8)).orElse("(not found)"));
                return read.value().isPresent() ? 0 : 1;
            }
            for (String url : cluster.urls()) {
                try {
                    var read = client.get(url, key);
                    System.out.println(url + " [" + read.role() + ", lag " + read.lag() + "] "
                            + read.value().map(v -> new String(v, StandardCharsets.UTF_8)).orElse("(not found)"));
                } catch (IOException e) {
                    System.out.println(url + " unreachable: " + e.getMessage());
                }
            }
            return 0;
        }
    }

    @Command(name = "status", description = "Show every store: role, epoch, offsets, lag, state (a table; "
            + "-o json for the stores' own answers). Exit code 1 when a store does not answer.")
    static class Status implements Callable<Integer> {
        @CommandLine.Mixin
        ClusterOptions cluster;

        @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table or json")
        String output;

        @Override
        public Integer call() throws Exception {
            if (!output.equals("table") && !output.equals("json")) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "-o must be table or json, got '" + output + "'");
            }
            KvClient client = cluster.client(Duration.ofSeconds(2));
            List<StatusTable.Row> rows = new ArrayList<>();
            for (String url : cluster.urls()) {
                try {
                    rows.add(StatusTable.Row.answered(url, client.status(url)));
                } catch (IOException e) {
                    rows.add(StatusTable.Row.unreachable(url, e.getMessage() != null ? e.getMessage() : e.toString()));
                }
            }
            if (output.equals("json")) {
                var json = new com.fasterxml.jackson.databind.ObjectMapper();
                var array = json.createArrayNode();
                for (StatusTable.Row row : rows) {
                    var item = array.addObject().put("url", row.url());
                    if (row.status() != null) {
                        item.set("status", row.status());
                    } else {
                        item.put("error", row.error());
                    }
                }
                System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(array));
            } else {
                System.out.print(StatusTable.render(rows));
            }
            return rows.stream().allMatch(row -> row.status() != null) ? 0 : 1;
        }

        static String describe(KvClient client, List<String> urls, long epoch) {
            StringBuilder line = new StringBuilder("epoch " + epoch + " |");
            for (String url : urls) {
                try {
                    JsonNode s = client.status(url);
                    line.append(' ').append(s.path("nodeId").asText()).append(' ').append(s.path("role").asText());
                    if ("secondary".equals(s.path("role").asText())) {
                        line.append(s.path("following").asBoolean() ? " (lag " + s.path("lag").asLong() + ")" : " (connecting)");
                    }
                    line.append(" @").append(s.path("lastOffset").asLong()).append(" |");
                } catch (IOException e) {
                    line.append(' ').append(url.substring(url.lastIndexOf(':') + 1)).append(" DOWN |");
                }
            }
            return line.toString();
        }
    }

    @Command(name = "kill-primary", description = "kill -9 the primary of the local cluster.")
    static class KillPrimary implements Callable<Integer> {
        @CommandLine.Mixin
        ClusterOptions cluster;

        @Override
        public Integer call() throws Exception {
            Properties props = cluster.descriptor();
            KvClient client = cluster.client(Duration.ofSeconds(2));
            String primary = client.primaryUrl();
            for (int i = 0; i < Integer.parseInt(props.getProperty("nodes")); i++) {
                if (primary.equals(props.getProperty("node." + i + ".url"))) {
                    String pid = props.getProperty("node." + i + ".pid");
                    new ProcessBuilder("kill", "-9", pid).inheritIO().start().waitFor();
                    System.out.println("killed " + props.getProperty("node." + i + ".name") + " (pid " + pid + ")");
                    return 0;
                }
            }
            System.err.println("primary " + primary + " is not in " + cluster.dir);
            return 1;
        }
    }

    @Command(name = "rotate-secret", description = "Rotate the local cluster's secret (replication and admin calls) "
            + "while it runs and takes writes: the new secret is accepted by every store, then signed with, then the "
            + "old one is dropped, each step once every store holds the one before. No restart, no write refused.")
    static class RotateSecret implements Callable<Integer> {
        @CommandLine.Mixin
        ClusterOptions cluster;

        @Option(names = "--step-timeout-seconds", defaultValue = "60", description = "how long each step may wait for "
                + "every store to hold it (default ${DEFAULT-VALUE})")
        long stepTimeoutSeconds;

        @Override
        public Integer call() throws Exception {
            cluster.requireLocal(this, "rotate-secret rotates a local cluster's secret (--dir); an operator's "
                    + "cluster: kubectl annotate kvcluster <name> kvstore.dev/rotate-secret=<any new value>");
            KvClient client = cluster.client(Duration.ofSeconds(2));
            List<String> urls = cluster.urls();
            String fingerprint = new dev.kvstore.cli.local.LocalSecretRotation(cluster.dir).rotate(() -> {
                Map<String, List<String>> reported = new java.util.TreeMap<>();
                for (String url : urls) {
                    List<String> fingerprints = null;
                    try {
                        JsonNode held = client.status(url).path("secretFingerprints");
                        if (held.isArray()) {
                            fingerprints = new ArrayList<>();
                            for (JsonNode one : held) {
                                fingerprints.add(one.asText());
                            }
                        }
                    } catch (IOException e) {
                        // not answering: it may still hold an older step, so it holds the rotation back
                    }
                    reported.put(url, fingerprints);
                }
                return reported;
            }, Duration.ofSeconds(stepTimeoutSeconds), KvCli::say);
            say("cluster secret rotated: every store signs with and accepts only " + fingerprint);
            return 0;
        }
    }

    @Command(name = "backup", description = "Back up the local cluster into a directory: a snapshot of one store's "
            + "data (a secondary in sync when there is one, so the primary's writes do not pause), then its manifest "
            + "(what it covers, size, SHA-256), written last. Restore: kv local --restore-from <manifest> --dir <new>.")
    static class Backup implements Callable<Integer> {
        @CommandLine.Mixin
        ClusterOptions cluster;

        @Option(names = "--to", required = true, description = "where the backup goes: a directory, or "
                + "s3://bucket/prefix (S3-compatible object storage; credentials from AWS_ACCESS_KEY_ID and "
                + "AWS_SECRET_ACCESS_KEY or the SDK's other usual places)")
        String to;

        @CommandLine.Mixin
        S3Options s3;

        @Option(names = "--from", description = "the store to back up (kv-0, ...); default: a secondary that applied "
                + "all the primary committed, else the primary")
        String from;

        @Override
        public Integer call() throws Exception {
            cluster.requireLocal(this, "backup takes a local cluster's backup (--dir)");
            dev.kvstore.core.admin.AdminClient admin = cluster.admin();
            java.util.Map<String, dev.kvstore.core.admin.NodeStatus> statuses = new java.util.LinkedHashMap<>();
            java.util.Map<String, String> adminUrls = cluster.adminUrls();
            for (String name : adminUrls.keySet()) {
                try {
                    statuses.put(name, admin.status(adminUrls.get(name)));
                } catch (IOException down) {
                    // not answering: not a candidate
                }
            }
            java.util.Optional<BackupSource> source = BackupSource.choose(statuses, from);
            if (source.isEmpty()) {
                System.err.println(from != null ? "the store " + from + " of " + cluster.dir + " does not answer, or"
                        + " can no longer make writes durable (stores: " + String.join(", ", adminUrls.keySet()) + ")"
                        : "no store of " + cluster.dir + " answers as primary or as a secondary in sync");
                return 1;
            }
            String chosen = source.get().store();
            BackupStorage storage = BackupStorage.at(to, s3.endpoint, s3.region);
            Backups.Manifest manifest = Backups.take(admin, chosen, adminUrls.get(chosen), storage,
                    source.get().atLeastOffset());
            say("backup " + manifest.name() + " of " + chosen + ": " + manifest.keys() + " keys up to offset "
                    + manifest.offset() + " (epoch " + manifest.epoch() + "), " + manifest.bytes() + " bytes; manifest "
                    + storage.describe(manifest.name() + Backups.MANIFEST));
            return 0;
        }
    }

    /** Where S3-compatible object storage is, for s3:// locations. */
    static class S3Options {
        @Option(names = "--s3-endpoint", description = "the object storage's URL (MinIO, Ceph, ...; default: AWS)")
        String endpoint;

        @Option(names = "--s3-region", description = "its region (default us-east-1)")
        String region;
    }

    @Command(name = "backups", description = "List the complete backups in a directory or s3://bucket/prefix: those "
            + "whose manifest was written (kv backup writes it last, so a cut backup is not among them).")
    static class ListBackups implements Callable<Integer> {
        @Parameters(index = "0", description = "a directory, or s3://bucket/prefix")
        String location;

        @CommandLine.Mixin
        S3Options s3;

        @Override
        public Integer call() throws Exception {
            BackupStorage storage = BackupStorage.at(location, s3.endpoint, s3.region);
            System.out.printf("%-36s %-6s %10s %8s %12s %s%n", "BACKUP", "STORE", "OFFSET", "EPOCH", "BYTES", "FINISHED");
            for (String name : storage.list(Backups.MANIFEST)) {
                Backups.Manifest manifest = Backups.manifest(storage, name);
                System.out.printf("%-36s %-6s %10d %8d %12d %s%n", manifest.name(), manifest.store(), manifest.offset(),
                        manifest.epoch(), manifest.bytes(), manifest.finished());
            }
            return 0;
        }
    }
}
