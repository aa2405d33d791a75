package dev.kvstore.store.resp;

import dev.kvstore.core.admin.NodeStatus;
import dev.kvstore.store.node.StoreNode;
import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/** INFO, ROLE, CONFIG GET, COMMAND, WAIT, TIME: what tools and clients ask the server about itself. */
final class ServerCommands {

    private static final Set<String> ADMIN = Set.of("admin", "loading", "stale");
    private static final Set<String> SERVER = Set.of("loading", "stale");
    private static final long WAIT_POLL_MS = 5;

    private final StoreNode node;
    private final RespSettings settings;
    private final RespStats stats;
    private final CommandTable table;
    private final Vertx vertx;
    private final java.util.function.IntSupplier port;

    private ServerCommands(StoreNode node, RespSettings settings, java.util.function.IntSupplier port, RespStats stats,
                           CommandTable table, Vertx vertx) {
        this.node = node;
        this.settings = settings;
        this.port = port;
        this.stats = stats;
        this.table = table;
        this.vertx = vertx;
    }

    static void register(CommandTable table, StoreNode node, RespSettings settings, java.util.function.IntSupplier port,
                         RespStats stats, Vertx vertx) {
        ServerCommands c = new ServerCommands(node, settings, port, stats, table, vertx);
        table.add("info", -1, SERVER, c::info)
                .add("role", 1, Set.of("fast", "loading", "stale"), c::role)
                .add("config", -2, ADMIN, c::config)
                .add("command", -1, SERVER, c::command)
                .add("wait", 3, Set.of(Command.READS_OWN_WRITES), c::waitFor)
                .add("time", 1, Set.of("fast", "loading", "stale"), (s, a, out) -> {
                    long micros = System.currentTimeMillis() * 1000 + (System.nanoTime() / 1000) % 1000;
                    out.array(2).bulk(Long.toString(micros / 1_000_000)).bulk(Long.toString(micros % 1_000_000));
                    return null;
                });
    }

    private CompletableFuture<CommandHandler.Reply> info(RespSession session, List<byte[]> args, RespWriter out) {
        Set<String> asked = new LinkedHashSet<>();
        for (int i = 1; i < args.size(); i++) {
            asked.add(Args.text(args, i).toLowerCase(Locale.ROOT));
        }
        NodeStatus status = node.status();
        int keys;
        try {
            keys = node.keyCount();
        } catch (RuntimeException unreadable) {
            keys = 0; // a primary without its lease still describes itself
        }
        InfoReport.Facts facts = new InfoReport.Facts(status, node.secondaries(), keys, node.expiringKeyCount(),
                port.getAsInt(),
                settings.maxClients(), stats, node.settings().fsync().name().toLowerCase(Locale.ROOT), rssBytes(),
                hostOf(status.primaryHttp()), node.primaryRespPort());
        out.verbatim(InfoReport.render(facts, asked));
        return null;
    }

    /** ROLE, as Redis answers it: a master's offset and replicas, or a replica's master and state. */
    private CompletableFuture<CommandHandler.Reply> role(RespSession session, List<byte[]> args, RespWriter out) {
        NodeStatus status = node.status();
        if (status.role().equals("primary")) {
            List<StoreNode.SecondaryView> secondaries = node.secondaries();
            out.array(3).bulk("master").integer(status.lastOffset()).array(secondaries.size());
            for (StoreNode.SecondaryView secondary : secondaries) {
                int secondaryPort = secondary.respPort() > 0 ? secondary.respPort() : port.getAsInt();
                out.array(3).bulk(secondary.host()).bulk(Integer.toString(secondaryPort))
                        .bulk(Long.toString(secondary.ackedOffset()));
            }
        } else {
            String host = hostOf(status.primaryHttp());
            int primaryPort = node.primaryRespPort() > 0 ? node.primaryRespPort() : port.getAsInt();
            out.array(5).bulk("slave").bulk(host == null ? "" : host).integer(primaryPort)
                    .bulk(status.following() ? "connected" : "connect").integer(status.appliedOffset());
        }
        return null;
    }

    private CompletableFuture<CommandHandler.Reply> config(RespSession session, List<byte[]> args, RespWriter out) {
        String sub = Args.upper(args, 1);
        if (sub.equals("GET")) {
            if (args.size() < 3) {
                return StringCommands.error(out, CommandTable.wrongArity("config|get"));
            }
            Map<String, String> all = configValues();
            Map<String, String> matched = new LinkedHashMap<>();
            for (int i = 2; i < args.size(); i++) {
                Predicate<String> pattern = GlobPattern.of(Args.text(args, i).toLowerCase(Locale.ROOT));
                all.forEach((name, value) -> {
                    if (pattern.test(name)) {
                        matched.put(name, value);
                    }
                });
            }
            out.stringMap(matched);
            return null;
        }
        if (sub.equals("SET")) {
            return StringCommands.error(out, "ERR CONFIG SET is not supported: this store's settings are its kv.* "
                    + "properties (KV_* variables), set when it starts");
        }
        if (sub.equals("RESETSTAT")) {
            out.ok();
            return null;
        }
        return StringCommands.error(out, CommandTable.unknownSubcommand(Args.text(args, 1), "config"));
    }

    /** The settings CONFIG GET reports, under Redis's names where one means the same. */
    private Map<String, String> configValues() {
        var store = node.settings();
        Map<String, String> values = new LinkedHashMap<>();
        values.put("save", ""); // no RDB snapshots on a schedule: the log is the persistence
        values.put("appendonly", "yes");
        values.put("appendfsync", store.fsync().name().equals("ALWAYS") ? "always" : "everysec");
        values.put("maxmemory", Long.toString(store.maxMemoryBytes()));
        values.put("maxmemory-policy", "noeviction");
        values.put("maxclients", Integer.toString(settings.maxClients()));
        values.put("proto-max-bulk-len", Integer.toString(store.maxValueBytes()));
        values.put("databases", "1");
        values.put("timeout", "0");
        values.put("port", Integer.toString(port.getAsInt()));
        values.put("min-replicas-to-write", Integer.toString(store.minSyncReplicas()));
        values.put("replica-read-only", "yes");
        values.put("kv-max-key-bytes", Integer.toString(store.maxKeyBytes()));
        values.put("kv-mode", store.mode().name().toLowerCase(Locale.ROOT));
        return values;
    }

    /** COMMAND, COMMAND COUNT|LIST|INFO|DOCS. */
    private CompletableFuture<CommandHandler.Reply> command(RespSession session, List<byte[]> args, RespWriter out) {
        if (args.size() == 1) {
            out.array(table.all().size());
            table.all().forEach(command -> describe(out, command));
            return null;
        }
        switch (Args.upper(args, 1)) {
            case "COUNT" -> out.integer(table.all().size());
            case "LIST" -> out.bulks(table.all().stream().map(Command::name).toList());
            case "INFO" -> {
                out.array(args.size() - 2);
                for (int i = 2; i < args.size(); i++) {
                    Command command = table.find(Args.text(args, i));
                    if (command == null) {
                        out.nullArray();
                    } else {
                        describe(out, command);
                    }
                }
            }
            // no documentation is kept here: an empty answer makes redis-cli use its built-in help
            case "DOCS" -> out.map(0);
            default -> {
                return StringCommands.error(out, CommandTable.unknownSubcommand(Args.text(args, 1), "command"));
            }
        }
        return null;
    }

    /** One command as COMMAND INFO describes it: name, arity, flags, first key, last key, step, and four empty lists. */
    private static void describe(RespWriter out, Command command) {
        List<String> flags = new ArrayList<>();
        for (String flag : command.flags()) {
            if (!flag.startsWith("kv:")) {
                flags.add(flag);
            }
        }
        flags.sort(null);
        out.array(10).bulk(command.name()).integer(command.arity()).set(flags.size());
        for (String flag : flags) {
            out.simple(flag);
        }
        out.integer(command.firstKey()).integer(command.lastKey()).integer(command.keyStep());
        out.set(0).set(0).array(0).array(0);
    }

    /**
     * WAIT numreplicas timeout: how many secondaries hold this connection's last acknowledged write,
     * as soon as that reaches numreplicas or when timeout ms pass (0: no limit). In sync mode a write
     * acknowledged at all is already on minSyncReplicas of them.
     */
    private CompletableFuture<CommandHandler.Reply> waitFor(RespSession session, List<byte[]> args, RespWriter out) {
        long wanted = Args.integer(args, 1);
        long timeout = Args.integer(args, 2);
        if (timeout < 0) {
            return StringCommands.error(out, "ERR timeout is negative");
        }
        long offset = session.lastWriteOffset();
        int holding = node.secondariesHolding(offset);
        if (holding >= wanted || offset == 0) {
            out.integer(offset == 0 ? node.secondaries().size() : holding);
            return null;
        }
        CompletableFuture<CommandHandler.Reply> done = new CompletableFuture<>();
        long deadline = timeout == 0 ? Long.MAX_VALUE : System.nanoTime() + timeout * 1_000_000;
        vertx.setPeriodic(WAIT_POLL_MS, timer -> {
            int now = node.secondariesHolding(offset);
            if (now >= wanted || System.nanoTime() >= deadline) {
                vertx.cancelTimer(timer);
                done.complete(o -> o.integer(now));
            }
        });
        return done;
    }

    private static String hostOf(String url) {
        if (url == null) {
            return null;
        }
        try {
            return URI.create(url).getHost();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** This process's resident memory (Linux), for INFO's used_memory_rss; 0 where it cannot be read. */
    private static long rssBytes() {
        try {
            String[] statm = Files.readString(Path.of("/proc/self/statm")).trim().split(" ");
            return Long.parseLong(statm[1]) * 4096;
        } catch (Exception e) {
            return 0;
        }
    }
}
