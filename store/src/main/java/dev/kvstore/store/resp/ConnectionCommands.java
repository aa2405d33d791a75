package dev.kvstore.store.resp;

import dev.kvstore.core.Role;
import dev.kvstore.store.node.StoreNode;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The handshake and connection commands clients send before and between their data commands
 * (HELLO, AUTH, CLIENT SETNAME/SETINFO, SELECT, PING, ...), answered as Redis answers them: a
 * client that gets an unexpected reply here never reaches its first GET.
 */
final class ConnectionCommands {

    /** The Redis version whose command semantics this store follows; clients gate features on it. */
    static final String REDIS_VERSION = "7.2.0";
    private static final Set<String> CONNECTION = Set.of("fast", "connection");
    private static final Set<String> NOAUTH = Set.of("fast", "connection", "no-auth");

    static final String WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";

    private final StoreNode node;
    private final dev.kvstore.store.auth.Access access;

    private ConnectionCommands(StoreNode node, dev.kvstore.store.auth.Access access) {
        this.node = node;
        this.access = access;
    }

    static void register(CommandTable table, StoreNode node, dev.kvstore.store.auth.Access access) {
        ConnectionCommands c = new ConnectionCommands(node, access);
        table.add("hello", -1, NOAUTH, c::hello)
                .add("auth", -2, NOAUTH, c::auth)
                .add("ping", -1, CONNECTION, ConnectionCommands::ping)
                .add("echo", 2, CONNECTION, (s, a, out) -> {
                    out.bulk(a.get(1));
                    return null;
                })
                .add("select", 2, CONNECTION, ConnectionCommands::select)
                .add("client", -2, Set.of("connection"), ConnectionCommands::client)
                .add("quit", -1, NOAUTH, (s, a, out) -> {
                    s.closeAfterReplies();
                    out.ok();
                    return null;
                })
                .add("reset", 1, NOAUTH, (s, a, out) -> {
                    s.reset();
                    out.simple("RESET");
                    return null;
                })
                // cluster-mode switches some clients send; one store holds every key, so both are no-ops
                .add("readonly", 1, CONNECTION, (s, a, out) -> {
                    out.ok();
                    return null;
                })
                .add("readwrite", 1, CONNECTION, (s, a, out) -> {
                    out.ok();
                    return null;
                });
    }

    /** HELLO [protover [AUTH username password] [SETNAME clientname]]. */
    private CompletableFuture<CommandHandler.Reply> hello(RespSession session, List<byte[]> args, RespWriter out) {
        int protocol = session.protocol();
        if (args.size() > 1) {
            long asked;
            try {
                asked = Args.integer(args, 1);
            } catch (Args.Invalid e) {
                return StringCommands.error(out, "ERR Protocol version is not an integer or out of range");
            }
            if (asked != 2 && asked != 3) {
                return StringCommands.error(out, "NOPROTO unsupported protocol version");
            }
            protocol = (int) asked;
        }
        String name = null;
        boolean nameGiven = false;
        dev.kvstore.store.auth.Users.SignIn authenticated = null;
        dev.kvstore.store.auth.Users users = access.users(); // one snapshot: the one the sign-in is checked against later
        for (int i = 2; i < args.size(); i++) {
            String option = Args.upper(args, i);
            if (option.equals("AUTH") && i + 2 < args.size()) {
                authenticated = authenticate(users, Args.text(args, i + 1), args.get(i + 2));
                if (authenticated == null) {
                    return StringCommands.error(out, WRONGPASS);
                }
                i += 2;
            } else if (option.equals("SETNAME") && i + 1 < args.size()) {
                name = Args.text(args, i + 1);
                nameGiven = true;
                String refusal = invalidName(name);
                if (refusal != null) {
                    return StringCommands.error(out, refusal);
                }
                i += 1;
            } else {
                return StringCommands.error(out, "ERR Syntax error in HELLO option '" + Args.text(args, i) + "'");
            }
        }
        if (authenticated != null) {
            session.signIn(authenticated, users);
        } else if (session.user() == null) {
            return StringCommands.error(out, "NOAUTH HELLO must be called with the client already authenticated, "
                    + "otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client "
                    + "and select the RESP protocol version at the same time");
        }
        session.protocol(protocol);
        if (nameGiven) {
            session.name(name.isEmpty() ? null : name);
        }
        RespWriter reply = RespWriter.into(out.buffer(), protocol);
        reply.map(7);
        reply.bulk("server").bulk("kvcluster");
        reply.bulk("version").bulk(REDIS_VERSION);
        reply.bulk("proto").integer(protocol);
        reply.bulk("id").integer(session.id());
        reply.bulk("mode").bulk("standalone");
        reply.bulk("role").bulk(node.role() == Role.PRIMARY ? "master" : "replica");
        reply.bulk("modules").array(0);
        return null;
    }

    /**
     * AUTH [username] password; without a username, the {@code default} user, as in Redis. Where no
     * users are set, only {@code default} exists, without a password, and AUTH with a password alone
     * answers as a Redis without requirepass does.
     */
    private CompletableFuture<CommandHandler.Reply> auth(RespSession session, List<byte[]> args, RespWriter out) {
        if (args.size() > 3) {
            return StringCommands.error(out, Args.SYNTAX);
        }
        if (args.size() == 2 && !access.required()) {
            return StringCommands.error(out, "ERR AUTH <password> called without any password configured for the "
                    + "default user. Are you sure your configuration is correct?");
        }
        String user = args.size() == 3 ? Args.text(args, 1) : "default";
        dev.kvstore.store.auth.Users users = access.users();
        dev.kvstore.store.auth.Users.SignIn authenticated = authenticate(users, user, args.get(args.size() - 1));
        if (authenticated == null) {
            return StringCommands.error(out, WRONGPASS);
        }
        session.signIn(authenticated, users);
        out.ok();
        return null;
    }

    /** The sign-in, or null when the name or password is wrong (where no users are set: any password of {@code default}). */
    private static dev.kvstore.store.auth.Users.SignIn authenticate(dev.kvstore.store.auth.Users users, String user,
                                                                    byte[] password) {
        if (!users.required()) {
            return user.equals("default")
                    ? new dev.kvstore.store.auth.Users.SignIn(dev.kvstore.store.auth.Users.DEFAULT_OPEN, new byte[0]) : null;
        }
        return users.signIn(user, password).orElse(null);
    }

    private static CompletableFuture<CommandHandler.Reply> ping(RespSession session, List<byte[]> args, RespWriter out) {
        if (args.size() > 2) {
            return StringCommands.error(out, CommandTable.wrongArity("ping"));
        }
        if (args.size() == 2) {
            out.bulk(args.get(1));
        } else {
            out.simple("PONG");
        }
        return null;
    }

    private static CompletableFuture<CommandHandler.Reply> select(RespSession session, List<byte[]> args, RespWriter out) {
        long index = Args.integer(args, 1);
        if (index != 0) {
            return StringCommands.error(out, "ERR DB index is out of range");
        }
        out.ok();
        return null;
    }

    private static CompletableFuture<CommandHandler.Reply> client(RespSession session, List<byte[]> args, RespWriter out) {
        String sub = Args.upper(args, 1);
        switch (sub) {
            case "SETNAME" -> {
                if (args.size() != 3) {
                    return StringCommands.error(out, CommandTable.wrongArity("client|setname"));
                }
                String name = Args.text(args, 2);
                String refusal = invalidName(name);
                if (refusal != null) {
                    return StringCommands.error(out, refusal);
                }
                session.name(name.isEmpty() ? null : name);
                out.ok();
            }
            case "GETNAME" -> out.bulk(session.name());
            case "ID" -> out.integer(session.id());
            case "SETINFO" -> {
                if (args.size() != 4) {
                    return StringCommands.error(out, CommandTable.wrongArity("client|setinfo"));
                }
                String attribute = Args.upper(args, 2);
                String value = Args.text(args, 3);
                if (attribute.equals("LIB-NAME")) {
                    session.libraryName(value);
                } else if (attribute.equals("LIB-VER")) {
                    session.libraryVersion(value);
                } else {
                    return StringCommands.error(out, "ERR Unrecognized option '" + Args.text(args, 2) + "'");
                }
                out.ok();
            }
            case "INFO" -> out.verbatim(describe(session) + "\n");
            case "LIST" -> out.verbatim(describe(session) + "\n");
            case "NO-EVICT", "NO-TOUCH" -> out.ok();
            default -> {
                return StringCommands.error(out, CommandTable.unknownSubcommand(Args.text(args, 1), "client"));
            }
        }
        return null;
    }

    /** One line of CLIENT INFO, in Redis's field names (only those that mean something here). */
    private static String describe(RespSession session) {
        return "id=" + session.id() + " addr=" + session.address() + " name=" + orEmpty(session.name())
                + " age=" + (System.currentTimeMillis() - session.connectedAtMillis()) / 1000 + " db=0 resp="
                + session.protocol() + " lib-name=" + orEmpty(session.libraryName()) + " lib-ver="
                + orEmpty(session.libraryVersion());
    }

    private static String orEmpty(String text) {
        return text == null ? "" : text;
    }

    private static String invalidName(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '!' || c > '~') {
                return "ERR Client names cannot contain spaces, newlines or special characters.";
            }
        }
        return null;
    }
}
